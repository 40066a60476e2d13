package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.ModelFiles.write;
import static dev.rotcal.jobs.config.ModelFiles.writeModel;
import static dev.rotcal.jobs.config.Settings.loader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.testing.S3ProxyServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Preflight against a real S3-protocol server: settings carry the S3A keys in rotcal.hadoop (as --set), the
 * storage is built from them, and no message shows the secret.
 */
class PreflightS3Test {
    private static final String BUCKET = "rotcal-preflight";
    private static final String MODEL = "s3a://" + BUCKET + "/models/Tiny-Llama";
    private static final String DATA = "s3a://" + BUCKET + "/data/tokens.npy";
    private static final String OUT = "s3a://" + BUCKET + "/artifacts";

    private static S3ProxyServer s3;
    private static HadoopStorage storage;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        storage = HadoopStorage.of(s3.s3aSettings());
        writeModel(storage, MODEL, 64);
        write(storage, DATA, "tokens");
        writeModel(storage, "s3a://" + BUCKET + "/models/Odd-100", 100);
        writeModel(storage, "s3a://" + BUCKET + "/models/No-Config", 64);
        storage.delete("s3a://" + BUCKET + "/models/No-Config/config.json");
        write(storage, OUT + "/Tiny-Llama/published/manifest.json", "{}");
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

    /** Settings with the S3A keys given as --set rotcal.hadoop.…, as a user would on the command line. */
    private static RotcalSettings settings(String model, String data, String runId, String... more) {
        List<String> sets = new ArrayList<>(List.of("rotcal.model.uri=" + model, "rotcal.data.uri=" + data,
                "rotcal.output.uri=" + OUT, "rotcal.run-id=" + runId));
        s3.s3aSettings().forEach((key, value) -> sets.add("rotcal.hadoop." + key + "=" + value));
        sets.addAll(Arrays.asList(more));
        return loader().load(List.of(), sets);
    }

    private static PreflightResult check(RotcalSettings settings) throws IOException {
        try (HadoopStorage fromSettings = HadoopStorage.of(settings.hadoop())) {
            return new Preflight(fromSettings).check(settings);
        }
    }

    private static SettingsException refusal(RotcalSettings settings) {
        SettingsException e = catchThrowableOfType(() -> check(settings), SettingsException.class);
        assertThat(e).as("preflight refuses").isNotNull();
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.getMessage()).as("never the secret").doesNotContain(s3.secretKey());
        return e;
    }

    @Test
    void anUnreachableStoreIsRetriedVisiblyThenReportedAsTransient() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();                          // nothing listens there once closed
        }
        RotcalSettings down = settings(MODEL, DATA, "down",
                "rotcal.hadoop.fs.s3a.endpoint=\"http://127.0.0.1:" + closed + "\"");
        long start = System.nanoTime();
        Throwable failure;
        String logs;
        try (dev.rotcal.jobs.testing.CapturedLogs captured = dev.rotcal.jobs.testing.CapturedLogs.capture("dev.rotcal")) {
            failure = org.assertj.core.api.Assertions.catchThrowable(() -> check(down));
            logs = captured.text();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(failure).as("the store never answers").isNotNull();
        dev.rotcal.jobs.CliErrors.Report report = dev.rotcal.jobs.CliErrors.report(failure, java.util.Set.of());
        assertThat(report.exitCode()).as("retry later: %s", report.line()).isEqualTo(dev.rotcal.jobs.CliErrors.TRANSIENT);
        assertThat(report.line()).doesNotContain(s3.secretKey()).doesNotContain("\n");
        assertThat(seconds).as("reported within the retry budget").isLessThan(90);
        for (int attempt = 1; attempt < Preflight.STORE_ATTEMPTS; attempt++) {
            assertThat(logs).as("one line per attempt").contains("Cannot reach the store of " + MODEL + " (attempt "
                    + attempt + "/" + Preflight.STORE_ATTEMPTS);
        }
    }

    @Test
    void passesOnS3() throws IOException {
        RotcalSettings settings = settings(MODEL, DATA, "fresh");

        PreflightResult result = check(settings);

        assertThat(result.modelConfig()).hasValueSatisfying(c -> assertThat(c.source()).isEqualTo(MODEL + "/config.json"));
        assertThat(result.layout().runUri()).isEqualTo(OUT + "/Tiny-Llama/fresh");
        assertThat(settings.hadoop()).as("the S3A keys arrived as Hadoop settings").containsAllEntriesOf(s3.s3aSettings());
        assertThat(settings.toJson()).as("the manifest's config hides the secret").doesNotContain(s3.secretKey())
                .contains("\"fs.s3a.secret.key\" : \"*****(redacted)\"");
        assertThat(settings.toString()).doesNotContain(s3.secretKey());
    }

    @Test
    void missingConfigJsonOnS3() {
        String model = "s3a://" + BUCKET + "/models/No-Config";

        assertThat(refusal(settings(model, DATA, "r")).getMessage()).isEqualTo("Cannot read model config " + model
                + "/config.json: not found (check rotcal.model.uri)");
    }

    @Test
    void hiddenSize100OnS3() {
        assertThat(refusal(settings("s3a://" + BUCKET + "/models/Odd-100", DATA, "r")).getMessage())
                .isEqualTo("Cannot calibrate Odd-100: hidden size 100 has no Hadamard matrix (supported: K·2^m with K"
                        + " in {1, 12, 20, 28, 36, 40, 52, 60, 108, 140, 148, 156, 172})");
    }

    @Test
    void missingDataOnS3() {
        String data = "s3a://" + BUCKET + "/data/missing.npy";

        assertThat(refusal(settings(MODEL, data, "r")).getMessage()).isEqualTo("Cannot read calibration data " + data
                + ": not found (check rotcal.data.uri)");
    }

    @Test
    void publishedRunOnS3IsRefusedUnlessOverwrite() throws IOException {
        assertThat(refusal(settings(MODEL, DATA, "published")).getMessage()).isEqualTo("Cannot publish to " + OUT
                + "/Tiny-Llama/published: a published run is there (set rotcal.output.overwrite=true or choose another"
                + " rotcal.run-id)");
        assertThat(check(settings(MODEL, DATA, "published", "rotcal.output.overwrite=true")).replacesRun()).isTrue();
    }
}
