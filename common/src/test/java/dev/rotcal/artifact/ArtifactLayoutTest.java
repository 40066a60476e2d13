package dev.rotcal.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArtifactLayoutTest {
    @Test
    void namesTheFilesOfTheContract() {
        ArtifactLayout layout = new ArtifactLayout("s3a://bucket/rotcal/", "Llama-3.1-8B", "run-7");

        assertThat(layout.runUri()).as("trailing slashes of the output URI are dropped")
                .isEqualTo("s3a://bucket/rotcal/Llama-3.1-8B/run-7");
        assertThat(layout.manifestUri()).isEqualTo("s3a://bucket/rotcal/Llama-3.1-8B/run-7/manifest.json");
        assertThat(layout.successUri()).isEqualTo("s3a://bucket/rotcal/Llama-3.1-8B/run-7/_SUCCESS");
        assertThat(layout.rotationUri()).isEqualTo("s3a://bucket/rotcal/Llama-3.1-8B/run-7/rotation.safetensors");
        assertThat(layout.layerUri(7)).as("layer files are zero-padded to three digits")
                .isEqualTo("s3a://bucket/rotcal/Llama-3.1-8B/run-7/layers/layer-007.safetensors");
        assertThat(layout.massiveTokensUri()).endsWith("/run-7/massive_tokens.json");
        assertThat(layout.metricsUri()).endsWith("/run-7/metrics.json");
        assertThat(layout.reportUri()).endsWith("/run-7/report.html");
        assertThat(layout.stagingUri("ab12")).as("staging is a sibling of the runs, never inside one")
                .isEqualTo("s3a://bucket/rotcal/Llama-3.1-8B/_staging/run-7-ab12");
    }

    @Test
    void aStagingAttemptsFolderNamesItsRunIdAndTheCheckpointsFolderIsPerRunId() {
        ArtifactLayout layout = new ArtifactLayout("s3a://bucket/rotcal", "m", "run-2026-12-07");
        String attempt = layout.stagingUri("0a1b2c3d");
        String folder = attempt.substring(attempt.lastIndexOf('/') + 1);
        assertThat(ArtifactLayout.runIdOfStagingAttempt(folder)).contains("run-2026-12-07");
        assertThat(ArtifactLayout.runIdOfStagingAttempt("run-2026-12-07")).as("a run id alone: its last part is"
                + " taken for an attempt, of run 'run-2026-12'").contains("run-2026-12");
        assertThat(ArtifactLayout.runIdOfStagingAttempt(".probe-x-1")).contains(".probe-x");
        assertThat(ArtifactLayout.runIdOfStagingAttempt("noattempt")).isEmpty();
        assertThat(layout.checkpointsUri()).isEqualTo("s3a://bucket/rotcal/m/_checkpoints/run-2026-12-07");
    }

    @Test
    void refusesNamesThatAreNotOnePathSegment() {
        assertThatThrownBy(() -> new ArtifactLayout("out", "meta-llama/Llama-3.1-8B", "r"))
                .as("a Hugging Face id has a slash").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot use model name 'meta-llama/Llama-3.1-8B'");
        assertThatThrownBy(() -> new ArtifactLayout("out", "m", "_staging"))
                .as("names starting with '_' are reserved for markers and staging")
                .hasMessageStartingWith("Cannot use run id '_staging'");
        assertThatThrownBy(() -> new ArtifactLayout("out", "m", ".."))
                .hasMessageStartingWith("Cannot use run id '..'");
        assertThatThrownBy(() -> ArtifactLayout.checkRelativePath("layers/../../escape"))
                .as("relative paths cannot climb out of the run").hasMessageContaining("segment '..'");
    }

    @Test
    void refusesOutputUrisWithCredentialsWithoutEchoingThem() {
        assertThatThrownBy(() -> new ArtifactLayout("s3a://AKID:SECRETKEY@bucket/out", "m", "r"))
                .as("credentials belong in the fs.s3a settings").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embeds credentials").hasMessageNotContaining("SECRETKEY")
                .hasMessageNotContaining("AKID");
    }
}
