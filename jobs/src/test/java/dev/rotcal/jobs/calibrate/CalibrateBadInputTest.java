package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.testing.S3ProxyServer;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bad input through the real command line ({@code rotcal calibrate …} in this JVM): each case ends with exactly
 * one "Cannot …" line on stderr, exit code 2, no secret in that line, and nothing published (no manifest.json,
 * no _SUCCESS) under the output.
 */
class CalibrateBadInputTest {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrateBadInputTest.class);
    private static final String BUCKET = "rotcal-bad";
    /** The tensor the NaN case breaks: layer 1's MLP output, so every row from layer 2 on is NaN. */
    private static final String NAN_TENSOR = "model.layers.1.mlp.down_proj.weight";

    @TempDir
    static Path dir;
    static Path model;
    static S3ProxyServer s3;
    static HadoopStorage storage;

    @BeforeAll
    static void writeModels() throws Exception {
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
    void aMisspelledConfigKey() throws IOException {
        Path out = dir.resolve("out-key");
        CliRun run = calibrate(local(model, out, "rotcal.refine.iteratons=5"));

        assertOneInputErrorLine(run, "misspelled key").contains("rotcal.refine.iteratons")
                .contains("rotcal.refine.iterations");
        assertNothingPublished(out);
    }

    @Test
    void executorsTooSmallForTheMemoryEstimate() throws IOException {
        Path out = dir.resolve("out-memory");
        System.setProperty("spark.executor.memory", "400m");
        CliRun run;
        long start = System.nanoTime();
        try {
            // a cluster master that nothing listens on: the refusal must come before Spark tries to reach it
            run = calibrate(local(model, out, "rotcal.spark.master=\"spark://127.0.0.1:9\""));
        } finally {
            System.clearProperty("spark.executor.memory");
        }
        assertThat((System.nanoTime() - start) / 1e9).as("refused before any Spark work").isLessThan(10);
        assertOneErrorLine(run, "executors too small", 3).contains("stage").contains("spark.executor.memory")
                .contains("raise it");
        assertNothingPublished(out);
    }

    @Test
    void outOfVocabularyEvaluationIdsAreRefusedBeforeSparkStarts() throws IOException {
        Path tokens = dir.resolve("eval-oov.npy");
        int[] ids = new int[4 * 64];
        ids[77] = 1 << 20;                                        // far past the demo's vocabulary
        dev.rotcal.tokens.NpyWriter.writeInt32(tokens, ids);
        Path out = dir.resolve("out-eval-oov");
        long start = System.nanoTime();

        CliRun run = calibrate(local(model, out, "rotcal.evaluate.data-uri=\"" + tokens.toUri() + "\"",
                "rotcal.evaluate.sequence-length=64", "rotcal.evaluate.sequences=2",
                "rotcal.spark.master=\"spark://127.0.0.1:9\""));   // nothing listens: Spark must not be reached

        assertThat((System.nanoTime() - start) / 1e9).as("refused before any Spark work").isLessThan(10);
        assertOneInputErrorLine(run, "out-of-vocabulary evaluation ids").contains(String.valueOf(1 << 20));
        assertNothingPublished(out);
    }

    @Test
    void aSecondRunWithALiveRunsIdIsRefusedAtOnceNamingTheHolder() throws IOException {
        Path out = dir.resolve("out-lease");
        Path lease = java.nio.file.Files.createDirectories(out.resolve("demo/_checkpoints/bad")).resolve("lease.json");
        java.nio.file.Files.writeString(lease, "{\"token\":\"other\",\"host\":\"worker-7\",\"pid\":4242,"
                + "\"started\":\"2026-12-07T10:00:00Z\",\"renewedMillis\":" + System.currentTimeMillis() + "}");
        long start = System.nanoTime();

        CliRun run = calibrate(local(model, out, "rotcal.spark.master=\"spark://127.0.0.1:9\""));

        assertThat((System.nanoTime() - start) / 1e9).as("refused before any Spark work").isLessThan(10);
        assertOneInputErrorLine(run, "a live run holds the run id").startsWith("Cannot start run bad: another run")
                .contains("worker-7 pid 4242");
        assertThat(lease).as("the live run's lease is left alone").exists();
        assertNothingPublished(out);
    }

    @Test
    void aHiddenSizeWithoutHadamardMatrix() throws IOException {
        Path broken = DemoRuns.copyFolder(model, dir.resolve("hidden-100"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(broken.resolve(DemoModel.CONFIG_JSON).toFile());
        config.put("hidden_size", 100).put("num_attention_heads", 5).put("num_key_value_heads", 1)
                .put("head_dim", 20);
        json.writeValue(broken.resolve(DemoModel.CONFIG_JSON).toFile(), config);
        Path out = dir.resolve("out-hidden");

        CliRun run = calibrate(local(broken, out));

        assertOneInputErrorLine(run, "hidden size 100").contains("hidden size 100 has no Hadamard matrix");
        assertNothingPublished(out);
    }

    @Test
    void aTruncatedCheckpointOnS3() throws IOException {
        String truncated = "s3a://" + BUCKET + "/models/truncated";
        DemoRuns.upload(storage, DemoRuns.copyFolder(model, dir.resolve("truncated")), truncated);
        byte[] weights = Files.readAllBytes(model.resolve(DemoModel.WEIGHTS));
        storage.delete(truncated + "/" + DemoModel.WEIGHTS);
        try (OutputStream out = storage.create(truncated + "/" + DemoModel.WEIGHTS, false)) {
            out.write(weights, 0, weights.length / 2);
        }
        String output = "s3a://" + BUCKET + "/out-truncated";

        CliRun run = calibrate(onS3(truncated, output, s3.secretKey()));

        assertOneInputErrorLine(run, "truncated checkpoint").contains(truncated + "/" + DemoModel.WEIGHTS);
        assertNothingPublished(output);
    }

    @Test
    void wrongS3Credentials() throws IOException {
        String wrongSecret = "wrong-" + s3.secretKey().substring(6);
        String output = "s3a://" + BUCKET + "/out-credentials";

        CliRun run = calibrate(onS3("s3a://" + BUCKET + "/models/demo", output, wrongSecret));

        assertOneInputErrorLine(run, "wrong credentials").contains("fs.s3a.secret.key").doesNotContain(wrongSecret);
        assertNothingPublished(output);
    }

    @Test
    void nanRowsFromABrokenCheckpoint() throws IOException {
        Path broken = DemoRuns.copyFolder(model, dir.resolve("nan-weights"));
        Path weights = broken.resolve(DemoModel.WEIGHTS);
        List<Tensor> tensors = new ArrayList<>();
        Map<String, String> metadata;
        try (SafetensorsFile file = SafetensorsFile.open(model.resolve(DemoModel.WEIGHTS))) {
            metadata = file.metadata();
            for (Tensor t : file.read(file.tensorNames()).values()) {
                if (t.name().equals(NAN_TENSOR)) {
                    float[] nan = new float[t.floats().length];
                    Arrays.fill(nan, Float.NaN);
                    t = Tensor.ofFloats(t.name(), t.dtype(), t.shape(), nan);
                }
                tensors.add(t);
            }
        }
        SafetensorsWriter.write(weights, metadata, tensors);
        Path out = dir.resolve("out-nan");

        CliRun run = calibrate(local(broken, out));

        assertOneInputErrorLine(run, "NaN rows").contains("NaN").contains("layer 2");
        assertNothingPublished(out);
    }

    /** Two windows of 64 tokens: the cases fail before or during capture, whatever the size. */
    private static List<String> local(Path modelDir, Path out, String... extra) {
        return DemoRuns.overrides("bad", modelDir.toUri().toString(), out.toUri().toString(), 2, 64, 2, 1, extra);
    }

    private static List<String> onS3(String modelUri, String outputUri, String secret) {
        List<String> sets = new ArrayList<>(DemoRuns.overrides("bad", modelUri, outputUri, 2, 64, 2, 1));
        sets.addAll(DemoRuns.hadoopOverrides(s3.s3aSettings(S3ProxyServer.ACCESS_KEY, secret)));
        return sets;
    }

    private static CliRun calibrate(List<String> overrides) {
        List<String> args = new ArrayList<>(List.of("calibrate"));
        overrides.forEach(s -> args.addAll(List.of("--set", s)));
        long start = System.nanoTime();
        CliRun run = CliRun.execute(args);
        LOG.info("calibrate exited with {} after {} s; stderr: {}", run.exitCode(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9), run.stderr().strip());
        return run;
    }

    private static AbstractStringAssert<?> assertOneInputErrorLine(CliRun run, String what) {
        return assertOneErrorLine(run, what, 2);
    }

    /** One line on stderr and exit code {@code code} (2 input, 3 resources: CliErrors). */
    private static AbstractStringAssert<?> assertOneErrorLine(CliRun run, String what, int code) {
        assertThat(run.exitCode()).as("%s: exit code %d", what, code).isEqualTo(code);
        assertThat(run.stderrLines()).as("%s: exactly one line on stderr", what).hasSize(1);
        String line = run.stderrLines().get(0);
        assertThat(line).as("%s: no secret key on stderr", what).doesNotContain(s3.secretKey());
        return assertThat(line).as("%s: the line says what could not be done", what).startsWith("Cannot ");
    }

    private static void assertNothingPublished(Path out) throws IOException {
        assertNoManifestOrSuccess(DemoRuns.filesUnder(out), out.toString());
    }

    private static void assertNothingPublished(String s3Output) throws IOException {
        assertNoManifestOrSuccess(DemoRuns.filesUnder(storage, s3Output), s3Output);
    }

    private static void assertNoManifestOrSuccess(List<String> files, String output) {
        assertThat(files).as("nothing published under %s", output)
                .noneMatch(path -> path.endsWith("manifest.json") || path.endsWith("_SUCCESS"));
    }
}
