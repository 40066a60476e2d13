package dev.rotcal.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.jobs.BadInputException;
import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.CliErrors;
import dev.rotcal.jobs.calibrate.DemoRuns;
import dev.rotcal.jobs.calibrate.RunSummary;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.LayerByLayerForward;
import dev.rotcal.model.forward.OutputHead;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hf-rotated export of a real demo run: a plain HF checkpoint whose logits (rotcal's own float forward, reading
 * it as any checkpoint) equal the original model's, R1 and R2 folded, norms 1, head untied; and the refusals.
 */
class HfRotatedExportTest {
    private static final int SEQ_LEN = 64;

    @TempDir
    static Path dir;
    static Path model;
    static String runUri;
    static HadoopStorage storage;
    static JavaSparkContext sc;

    @BeforeAll
    static void calibrateTheDemo() throws Exception {
        model = DemoRuns.writeDemoModel(dir);
        RunSummary run = CalibrateCommand.run(new SettingsLoader().load(List.of(), DemoRuns.overrides("exp",
                model.toUri().toString(), dir.resolve("out").toUri().toString(), 2, SEQ_LEN, 2, 2,
                "rotcal.scales.enabled=false")), new SparkConf(), Map.of(), false);
        runUri = run.runUri();
        storage = HadoopStorage.of(Map.of());
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("export test")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sc != null) {
            sc.stop();
        }
        if (storage != null) {
            storage.close();
        }
    }

    private static float[] logits(Path checkpointDir, int[] tokens) throws Exception {
        ModelConfig config = ModelConfig.parse(checkpointDir.resolve("config.json").toString(),
                Files.readAllBytes(checkpointDir.resolve("config.json")));
        try (Checkpoint checkpoint = Checkpoint.open(checkpointDir)) {
            LayerByLayerForward forward = new LayerByLayerForward(checkpoint, config);
            float[] hidden = forward.runLayers(tokens, SEQ_LEN, CaptureSwitches.NONE, (i, h, c) -> { });
            try (OutputHead head = forward.readOutputHead()) {
                return head.logits(hidden, tokens.length);
            }
        }
    }

    @Test
    void theExportedCheckpointComputesTheOriginalLogitsWithNothingButFoldedWeights() throws Exception {
        Path out = dir.resolve("export-f32");
        HfRotatedExport.Result result = HfRotatedExport.run(sc, storage, runUri, null, out.toUri().toString(),
                SafetensorsDtype.F32, false);

        ModelConfig original = ModelConfig.parse("demo", Files.readAllBytes(model.resolve("config.json")));
        assertThat(result.shards()).as("embeddings, head, one per layer").isEqualTo(original.numHiddenLayers() + 2);
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(config.path("tie_word_embeddings").asBoolean(true)).isFalse();
        assertThat(config.path("torch_dtype").asText()).isEqualTo("float32");
        assertThat(config.path("hidden_size").asInt()).isEqualTo(original.hiddenSize());
        JsonNode index = new ObjectMapper().readTree(out.resolve(Checkpoint.INDEX_FILE).toFile());
        try (Checkpoint exported = Checkpoint.open(out)) {
            Set<String> indexed = new java.util.TreeSet<>();
            for (Iterator<String> it = index.path("weight_map").fieldNames(); it.hasNext(); ) {
                indexed.add(it.next());
            }
            assertThat(indexed).as("the index names every tensor of the shards").isEqualTo(exported.tensorNames());
            float[] norm = exported.readFloats("model.layers.0.input_layernorm.weight");
            assertThat(norm).as("gains folded into the linears").containsOnly(1f);
            assertThat(exported.tensorNames()).contains("lm_head.weight", "model.embed_tokens.weight");
        }

        int[] corpus = new NpyTokenSource().read(InputFile.local(model.resolve(DemoCorpus.CALIBRATION_NPY))).ids();
        int[] tokens = Arrays.copyOf(corpus, 2 * SEQ_LEN);
        float[] want = logits(model, tokens);
        float[] got = logits(out, tokens);
        float largest = 0;
        float worst = 0;
        for (int i = 0; i < want.length; i++) {
            largest = Math.max(largest, Math.abs(want[i]));
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
        assertThat(worst / largest).as("max |Δ logit| over the largest logit (%s of %s)", worst, largest)
                .isLessThanOrEqualTo(1e-4f);
    }

    @Test
    void inspectVerifiesAnExportAndNamesWhatIsInconsistent() throws Exception {
        Path out = dir.resolve("export-inspect");
        HfRotatedExport.run(sc, storage, runUri, null, out.toUri().toString(), SafetensorsDtype.BF16, false);
        ExportVerifier.Report good = ExportVerifier.verify(storage, out.toUri().toString());
        assertThat(good.problems()).isEmpty();
        assertThat(ExportVerifier.isCheckpoint(storage, out.toUri().toString())).isTrue();
        assertThat(ExportVerifier.isCheckpoint(storage, runUri)).as("a run is not a checkpoint").isFalse();
        picocli.CommandLine inspect = new picocli.CommandLine(new dev.rotcal.jobs.InspectCommand());
        assertThat(inspect.execute(out.toUri().toString())).as("rotcal inspect on the export").isZero();

        ObjectMapper json = new ObjectMapper();
        Path indexFile = out.resolve(Checkpoint.INDEX_FILE);
        com.fasterxml.jackson.databind.node.ObjectNode index =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(indexFile.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) index.get("weight_map"))
                .remove("model.layers.0.mlp.up_proj.weight");
        json.writeValue(indexFile.toFile(), index);
        Path configFile = out.resolve("config.json");
        com.fasterxml.jackson.databind.node.ObjectNode config =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(configFile.toFile());
        json.writeValue(configFile.toFile(), config.put("torch_dtype", "float16"));

        List<String> problems = ExportVerifier.verify(storage, out.toUri().toString()).problems();
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("the index does not map")
                .contains("model.layers.0.mlp.up_proj.weight"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("model.layers.0.mlp.up_proj.weight"))
                .anySatisfy(p -> assertThat(p).contains("is BF16, config.json torch_dtype is float16"));
        assertThat(inspect.execute(out.toUri().toString())).as("rotcal inspect fails on the broken export")
                .isEqualTo(1);
    }

    @Test
    void refusesAnotherModelAnExistingExportAndUnknownFormats() throws Exception {
        Path other = DemoRuns.writeDemoModel(dir.resolve("other"));
        Path config = other.resolve("config.json");
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode changed =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(config.toFile());
        json.writeValue(config.toFile(), changed.put("rms_norm_eps", 2e-5)); // another model, same shapes
        Throwable wrongModel = catchThrowable(() -> HfRotatedExport.run(sc, storage, runUri, other.toUri().toString(),
                dir.resolve("export-other").toUri().toString(), SafetensorsDtype.F32, false));
        assertThat(wrongModel).isInstanceOf(BadInputException.class).hasMessageContaining("fingerprint")
                .hasMessageContaining("--model");
        assertThat(CliErrors.report(wrongModel, Set.of()).exitCode()).isEqualTo(2);
        assertThat(dir.resolve("export-other")).as("nothing written").doesNotExist();

        Path twice = dir.resolve("export-twice");
        HfRotatedExport.run(sc, storage, runUri, null, twice.toUri().toString(), SafetensorsDtype.BF16, false);
        Throwable again = catchThrowable(() -> HfRotatedExport.run(sc, storage, runUri, null,
                twice.toUri().toString(), SafetensorsDtype.BF16, false));
        assertThat(again).isInstanceOf(BadInputException.class).hasMessageContaining("--overwrite");

        ExportCommand unknown = new ExportCommand();
        unknown.runUri = runUri;
        unknown.format = "gguf";
        unknown.outUri = dir.resolve("export-gguf").toUri().toString();
        assertThat(unknown.call()).as("an unknown format is a usage mistake").isEqualTo(2);
        assertThat(dir.resolve("export-gguf")).doesNotExist();
    }
}
