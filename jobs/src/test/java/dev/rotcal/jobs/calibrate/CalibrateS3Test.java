package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.artifact.VerificationReport;
import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.HadoopSettings;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.testing.CapturedLogs;
import dev.rotcal.jobs.testing.S3ProxyServer;
import dev.rotcal.linalg.Orthogonality;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calibrate against a real S3-protocol server: the demo checkpoint and its tokens are uploaded to s3proxy on
 * loopback, the run reads the model (executors fetch each layer's tensors by ranged GETs) and the tokens from
 * s3a:// and publishes to s3a://, and the artifact is read back through S3.
 */
class CalibrateS3Test {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrateS3Test.class);
    private static final String BUCKET = "rotcal-it";
    private static final int SEQUENCES = 8;
    private static final int SEQ_LEN = 256;

    @TempDir
    static Path dir;
    static Path model;
    static S3ProxyServer s3;
    static HadoopStorage storage;

    @BeforeAll
    static void uploadTheDemoModel() throws Exception {
        model = DemoRuns.writeDemoModel(dir);
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        storage = HadoopStorage.of(s3.s3aSettings());
        DemoRuns.upload(storage, model, "s3a://" + BUCKET + "/models/demo");
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

    @Test
    void readsFromAndPublishesToS3AndTheArtifactReadsBackVerified() throws Exception {
        List<String> sets = new ArrayList<>(DemoRuns.overrides("s3-1", "s3a://" + BUCKET + "/models/demo",
                "s3a://" + BUCKET + "/out", SEQUENCES, SEQ_LEN, 2, 4, "rotcal.refine.checkpoint-every=2"));
        sets.addAll(DemoRuns.hadoopOverrides(s3.s3aSettings()));
        RotcalSettings settings = new SettingsLoader().load(List.of(), sets);
        Map<String, String> hadoop = HadoopSettings.of(new SparkConf(), settings.hadoop());

        long start = System.nanoTime();
        RunSummary summary;
        String logs;
        try (CapturedLogs captured = CapturedLogs.capture("dev.rotcal", "org.apache.hadoop.fs.s3a")) {
            summary = CalibrateCommand.run(settings, new SparkConf(), hadoop, false);
            logs = captured.text();
        }
        LOG.info("calibrate over s3a took {} s", String.format("%.1f", (System.nanoTime() - start) / 1e9));
        String run = "s3a://" + BUCKET + "/out/demo/s3-1";
        assertThat(summary.runUri()).as("the run is published under output.uri/<model>/<run-id>").isEqualTo(run);

        VerificationReport report = new ArtifactVerifier(storage).verify(run);
        assertThat(report.problems()).as("every file read back through S3 matches the manifest's size and sha256")
                .isEmpty();
        assertThat(report.filesChecked()).as("rotation, massive tokens, metrics, report and 6 layer files are listed")
                .isEqualTo(10);

        try (SafetensorsFile rotation = SafetensorsFile.open(storage.openByteSource(run + "/"
                + ArtifactLayout.ROTATION))) {
            double deviation = Orthogonality.maxDeviation(RotationFile.readR1(rotation), DemoRuns.D);
            LOG.info("R1 read back from S3: max |RᵀR - I| = {}", deviation);
            assertThat(deviation).as("R1 stored in float32 is orthogonal to 1e-5").isLessThan(1e-5);
        }

        MassiveTokenReport massive = MassiveTokenReport.read(read(run + "/" + ArtifactLayout.MASSIVE_TOKENS),
                ArtifactLayout.MASSIVE_TOKENS);
        Set<String> found = new TreeSet<>();
        massive.tokens().forEach(t -> found.add(t.sequence() + ":" + t.position()));
        Set<String> planted = DemoRuns.plantedMassiveTokens(DemoRuns.windows(model, SEQUENCES, SEQ_LEN));
        LOG.info("massive tokens (sequence:position): found {}, planted {}", found, planted);
        assertThat(planted).as("the windows hold delimiters besides their first tokens").hasSizeGreaterThan(SEQUENCES);
        assertThat(found).as("the massive tokens found are exactly the demo model's planted ones: position 0 of"
                + " every window and every delimiter in the windows").isEqualTo(planted);

        String secret = s3.secretKey();
        String manifest = new String(read(run + "/" + ArtifactLayout.MANIFEST), StandardCharsets.UTF_8);
        String metrics = new String(read(run + "/" + ArtifactLayout.METRICS), StandardCharsets.UTF_8);
        assertThat(manifest).as("the manifest holds the effective config, with S3A settings").contains(s3.endpoint())
                .as("but not the secret key").doesNotContain(secret);
        assertThat(metrics).as("metrics.json does not hold the secret key").doesNotContain(secret);
        assertThat(logs).as("the run logged (rotcal and S3A at DEBUG)").contains("calibrate s3a://")
                .as("no log line holds the secret key").doesNotContain(secret);
        assertThat(DemoRuns.filesUnder(storage, "s3a://" + BUCKET + "/out/demo"))
                .as("nothing but the published run is left under the model's output (no staging, no checkpoint)")
                .allSatisfy(path -> assertThat(path).startsWith("s3-1/"));
    }

    private static byte[] read(String uri) throws IOException {
        try (InputStream in = storage.open(uri)) {
            return in.readAllBytes();
        }
    }
}
