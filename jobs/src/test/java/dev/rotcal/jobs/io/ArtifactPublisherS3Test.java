package dev.rotcal.jobs.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.VerificationReport;
import dev.rotcal.jobs.testing.CapturedLogs;
import dev.rotcal.jobs.testing.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Publishing and verifying a run on a real S3-protocol server, where a rename is a copy. */
class ArtifactPublisherS3Test {
    private static final String BUCKET = "rotcal-artifacts";

    private static S3ProxyServer s3;
    private static HadoopStorage storage;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        storage = HadoopStorage.of(s3.s3aSettings());
    }

    @AfterAll
    static void stopS3() throws IOException {
        if (storage != null) {
            storage.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static ArtifactLayout layout(String runId) {
        return new ArtifactLayout("s3a://" + BUCKET + "/rotcal", "Tiny-LM", runId);
    }

    /** The effective config as the driver would pass it: Spark's Hadoop settings included, secrets and all. */
    private static Map<String, Object> effectiveConfig() {
        Map<String, Object> hadoop = new LinkedHashMap<>();
        s3.s3aSettings().forEach((key, value) -> hadoop.put(key, value));
        return Map.of("rotcal", Map.of("refine", Map.of("iterations", 10)), "spark", Map.of("hadoop", hadoop));
    }

    private static Manifest publish(ArtifactLayout layout, boolean overwrite) throws IOException {
        try (ArtifactPublisher publisher = ArtifactPublisher.begin(storage, layout, overwrite)) {
            publisher.write(ArtifactLayout.ROTATION, out -> {
                byte[] block = new byte[1 << 16];
                for (int i = 0; i < 16; i++) {
                    block[0] = (byte) i;
                    out.write(block);
                }
            });
            publisher.write(ArtifactLayout.layerFile(0), "scales 0".getBytes(StandardCharsets.UTF_8));
            publisher.write(ArtifactLayout.layerFile(1), "scales 1".getBytes(StandardCharsets.UTF_8));
            publisher.write(ArtifactLayout.METRICS, "{\"loss\": 0.25}".getBytes(StandardCharsets.UTF_8));
            return publisher.commit(Manifest.draft("0.1.0-test", layout.runId(),
                    new Manifest.Model("Tiny-LM", "s3a://" + BUCKET + "/models/tiny", Sha256.of(new byte[0])),
                    new Manifest.Data(Sha256.of(new byte[] {1})), Map.of("r1_init", 42L),
                    Manifest.tree(effectiveConfig()), Manifest.tree(Map.of("loss_after", 0.25))));
        }
    }

    @Test
    void publishedRunVerifiesAndATamperedObjectIsDetected() throws IOException {
        ArtifactLayout layout = layout("run-s3");
        Manifest manifest = publish(layout, false);

        VerificationReport clean = new ArtifactVerifier(storage).verify(layout.runUri());
        assertThat(clean.problems()).as("a fresh run on S3 verifies").isEmpty();
        assertThat(clean.filesChecked()).isEqualTo(4);
        assertThat(storage.exists(layout.successUri())).as("_SUCCESS is written last").isTrue();
        assertThat(storage.list(layout.modelUri(), false)).extracting(e -> e.relativePath())
                .as("after the commit the run is there and staging is gone").contains("run-s3")
                .doesNotContain(ArtifactLayout.STAGING_DIR);

        try (OutputStream out = storage.create(layout.layerUri(1), true)) {
            out.write("scales X".getBytes(StandardCharsets.UTF_8)); // same size, other content
        }
        VerificationReport tampered = new ArtifactVerifier(storage).verify(layout.runUri());
        assertThat(tampered.problems()).as("the replaced object is caught by its sha256").containsExactly(
                "layers/layer-001.safetensors: sha256 " + Sha256.of("scales X".getBytes(StandardCharsets.UTF_8))
                        + ", but the manifest says " + manifest.file(ArtifactLayout.layerFile(1)).sha256());
    }

    @Test
    void existingRunIsRefusedUnlessOverwrite() throws IOException {
        ArtifactLayout layout = layout("run-again");
        publish(layout, false);

        assertThatThrownBy(() -> publish(layout, false)).as("a published run is not replaced by accident")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot publish run run-again: " + layout.runUri() + " already holds a published run "
                        + "(manifest.json present); pass --set rotcal.output.overwrite=true or choose another run id");
        publish(layout, true);
        assertThat(new ArtifactVerifier(storage).verify(layout.runUri()).ok()).as("the overwritten run verifies")
                .isTrue();
    }

    @Test
    void theSecretKeyAppearsNeitherInTheManifestNorInTheLogs() throws IOException {
        ArtifactLayout layout = layout("run-secret");
        String manifestJson;
        String logs;
        try (CapturedLogs captured = CapturedLogs.capture("dev.rotcal", "org.apache.hadoop.fs.s3a")) {
            publish(layout, false);
            new ArtifactVerifier(storage).verify(layout.runUri());
            try (HadoopStorage wrong = HadoopStorage.of(s3.s3aSettings(S3ProxyServer.ACCESS_KEY, "x" + s3.secretKey()))) {
                wrong.exists(layout.manifestUri());
            } catch (IOException expected) {
                LoggerFactory.getLogger(getClass()).warn("Expected failure: {}", expected.getMessage(), expected);
            }
            logs = captured.text();
        }
        try (InputStream in = storage.open(layout.manifestUri())) {
            manifestJson = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(manifestJson).as("the manifest records the S3A settings, with the secret redacted")
                .contains("fs.s3a.endpoint").contains("*****(redacted)").doesNotContain(s3.secretKey());
        assertThat(logs).as("something was captured, or this check would prove nothing")
                .contains("Published run run-secret");
        assertThat(logs).as("no log line, at DEBUG for rotcal and S3A, carries the secret")
                .doesNotContain(s3.secretKey());
    }
}
