package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.artifact.VerificationReport;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoMechanism;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.linalg.Orthogonality;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole calibration on local Spark over the demo model: capture, scan, refine, publish. */
class CalibrateLocalTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeDemoModel() {
        model = dir.resolve("demo-model");
        DemoModel.write(model, DemoModelSpec.defaults());
        DemoCorpus.write(model, DemoModelSpec.defaults(), DemoCorpusSpec.defaults());
    }

    private static RotcalSettings settings(String runId, String... extra) {
        List<String> sets = new java.util.ArrayList<>(List.of(
                "rotcal.run-id=" + runId,
                "rotcal.model.uri=\"" + model.toUri() + "\"",
                "rotcal.model.name=demo",
                "rotcal.data.uri=\"" + model.resolve(DemoCorpus.CALIBRATION_NPY).toUri() + "\"",
                "rotcal.data.sequence-length=256",
                "rotcal.data.sequences=8",
                "rotcal.scales.sequences=8",
                "rotcal.output.uri=\"" + dir.resolve("out").toUri() + "\"",
                "rotcal.spark.master=\"local[2]\"",
                "rotcal.spark.partitions=4",
                "rotcal.refine.iterations=8",
                "rotcal.refine.checkpoint-every=4",
                "rotcal.refine.compare-plain-procrustes=true"));
        sets.addAll(List.of(extra));
        return new SettingsLoader().load(List.of(), sets);
    }

    @Test
    void publishesAVerifiedArtifactWithTheDemoModelsPlantedTokens() throws Exception {
        RotcalSettings settings = settings("local-1");
        RunSummary summary = CalibrateCommand.run(settings, new SparkConf(), Map.of(), false);
        System.out.print(summary.render());

        try (LocalStorage storage = new LocalStorage()) {
            VerificationReport report = new ArtifactVerifier(storage).verify(summary.runUri());
            assertThat(report.problems()).as("every checksum of the published run matches").isEmpty();
        }
        Path run = Path.of(java.net.URI.create(summary.runUri()));
        try (SafetensorsFile rotation = SafetensorsFile.open(run.resolve("rotation.safetensors"))) {
            double[] r1 = RotationFile.readR1(rotation);
            assertThat(Orthogonality.maxDeviation(r1, 512)).as("R1 is orthogonal in float32").isLessThan(1e-5);
        }
        MassiveTokenReport massive = MassiveTokenReport.read(Files.readAllBytes(run.resolve("massive_tokens.json")),
                "massive_tokens.json");
        DemoMechanism mechanism = DemoMechanism.of(DemoModelSpec.defaults());
        assertThat(massive.tokens()).as("massive tokens found").isNotEmpty();
        assertThat(massive.tokens()).as("every flagged token is a first token or the delimiter")
                .allSatisfy(t -> assertThat(t.position() == 0 || t.tokenId() == mechanism.delimiterTokenId())
                        .as("token %d at position %d", t.tokenId(), t.position()).isTrue());
        var errors = summary.refine().errors();
        assertThat(errors.get("dfrot").massiveMean()).as("DFRot lowers the massive rows' error below RH's")
                .isLessThan(errors.get("random_hadamard").massiveMean());
        assertThat(errors.get("dfrot").massiveMean()).as("... and below plain Procrustes'")
                .isLessThan(errors.get("plain_procrustes").massiveMean());
        assertThat(errors.get("dfrot").commonMean()).as("common rows are not worse than with RH")
                .isLessThanOrEqualTo(errors.get("random_hadamard").commonMean());
    }
}
