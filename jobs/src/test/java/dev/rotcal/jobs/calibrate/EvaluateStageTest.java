package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.config.DataSettings;
import dev.rotcal.jobs.evaluate.EvaluateStage;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.jobs.scales.ScalesStage;
import dev.rotcal.jobs.tokens.CalibrationTokens;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.ModelWeights;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.LocalCheckpointDirectory;
import dev.rotcal.scales.LinearInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluate stage on local Spark: the float model's perplexity equals a single-machine forward's over the same
 * held-out windows (an independent computation: ModelForward over the whole model in one JVM), and with R1 set to
 * the random Hadamard the two rotated RTN variants (rh_rtn and dfrot_rtn) are the same model and agree exactly.
 */
class EvaluateStageTest {
    private static final int SEQUENCES = 4;
    private static final int SEQ_LEN = 64;

    @TempDir
    static Path dir;
    static JavaSparkContext sc;
    static Map<String, Object> metrics;
    static double independentNll;

    @BeforeAll
    static void evaluate() throws Exception {
        Path model = DemoRuns.writeDemoModel(dir);
        String modelUri = model.toUri().toString();
        List<String> sets = new ArrayList<>(DemoRuns.overrides("eval", modelUri,
                dir.resolve("out").toUri().toString(), 2, SEQ_LEN, 2, 1));
        sets.add("rotcal.evaluate.data-uri=\"" + modelUri + "/" + DemoCorpus.EVALUATION_NPY + "\"");
        sets.add("rotcal.evaluate.sequences=" + SEQUENCES);
        sets.add("rotcal.evaluate.sequence-length=" + SEQ_LEN);
        RotcalSettings settings = new SettingsLoader().load(List.of(), sets);
        HadoopStorage storage = HadoopStorage.of(Map.of());
        byte[] configJson = Files.readAllBytes(model.resolve(DemoModel.CONFIG_JSON));
        ModelConfig config = ModelConfig.parse("demo config.json", configJson);
        ModelSource source = new ModelSource(new StorageCheckpointDirectory(storage, modelUri), configJson);
        int d = config.hiddenSize();
        double[] rh = RandomizedHadamard.matrix(d, settings.evaluate().seed());
        List<ScalesStage.LayerChoice> choices = new ArrayList<>();
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            Map<LinearInput, Float> clips = new EnumMap<>(LinearInput.class);
            for (LinearInput input : LinearInput.values()) {
                clips.put(input, 0.9f);
            }
            choices.add(new ScalesStage.LayerChoice(layer, Map.of(ScalesStage.DFROT, clips,
                    ScalesStage.RANDOM_HADAMARD, clips), 0.95f, 1f));
        }
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("EvaluateStageTest")
                .set("spark.ui.enabled", "false"));
        metrics = EvaluateStage.run(sc, storage, source, config, settings, rh, choices, null, 2, 1,
                StorageLevel.MEMORY_AND_DISK_SER());

        // independent: the whole float model in one JVM over the same windows
        CalibrationTokens tokens = CalibrationTokens.load(storage, new DataSettings(settings.evaluate().dataUri(),
                settings.evaluate().format(), "", SEQ_LEN, SEQUENCES, settings.evaluate().seed()), "",
                config.vocabSize(), 1);
        double sum = 0;
        long count = 0;
        try (Checkpoint checkpoint = Checkpoint.open(new LocalCheckpointDirectory(model));
             ModelForward forward = ModelForward.of(config, ModelWeights.read(checkpoint, config))) {
            for (TokenBlock block : tokens.blocks()) {
                for (double nll : forward.nextTokenNll(block.tokens(), SEQ_LEN)) {
                    sum += nll;
                    count++;
                }
            }
        }
        independentNll = sum / count;
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> perplexity(String name) {
        return ((List<Map<String, Object>>) metrics.get("perplexity")).stream()
                .filter(row -> name.equals(row.get("name"))).findFirst().orElseThrow();
    }

    @Test
    void floatPerplexityEqualsASingleMachineForward() {
        Map<String, Object> row = perplexity("float");
        assertThat((Long) row.get("tokens")).isEqualTo((long) SEQUENCES * (SEQ_LEN - 1));
        assertThat((Double) row.get("nll")).isCloseTo(independentNll, within(1e-4 * independentNll));
        assertThat((Double) row.get("perplexity")).isCloseTo(Math.exp(independentNll),
                within(1e-4 * Math.exp(independentNll)));
    }

    @Test
    void theRotatedFloatModelIsTheFloatModel() {
        Map<String, Object> rotated = perplexity("dfrot_float");
        double floatPerplexity = (Double) perplexity("float").get("perplexity");
        assertThat((Double) rotated.get("perplexity")).isCloseTo(floatPerplexity, within(1e-4 * floatPerplexity));
        assertThat((Double) rotated.get("kl_to_float")).as("R1, R2, R3, R4 folded and online change no prediction")
                .isLessThan(1e-6);
        assertThat((Double) perplexity("rh_a4kv4").get("kl_to_float")).as("4-bit activations do")
                .isGreaterThan(1e-5);
    }

    @Test
    void theSameRotationGivesTheSamePerplexityUnderBothNames() {
        double rh = (Double) perplexity("rh_rtn").get("perplexity");
        double dfrot = (Double) perplexity("dfrot_rtn").get("perplexity");
        assertThat(dfrot).isEqualTo(rh);
        assertThat(rh).as("W4A4KV4 is not the float model").isNotEqualTo(perplexity("float").get("perplexity"));
        assertThat(metrics).doesNotContainKey("dfrot_gptq");
    }

    @Test
    @SuppressWarnings("unchecked")
    void heldOutActivationErrorsCoverEveryRotationLayerAndSite() {
        Map<String, Object> errors = (Map<String, Object>) metrics.get("activation_error");
        assertThat(errors).containsOnlyKeys("none", "random_orthogonal", "random_hadamard", "dfrot");
        Map<String, Object> rh = (Map<String, Object>) errors.get("random_hadamard");
        Map<String, Object> dfrot = (Map<String, Object>) errors.get("dfrot");
        assertThat(dfrot.get("common")).isEqualTo(rh.get("common"));
        assertThat((List<?>) rh.get("layers")).hasSize(6 * 2);
        Map<String, Object> rows = (Map<String, Object>) metrics.get("held_out_rows");
        assertThat(((Number) rows.get("common")).longValue() + ((Number) rows.get("massive")).longValue())
                .isEqualTo(6L * 2 * SEQUENCES * SEQ_LEN);
        assertThat(((Number) rows.get("massive")).longValue()).as("the planted tokens are in held-out windows too")
                .isPositive();
        assertThat((Double) ((Map<String, Object>) errors.get("none")).get("common"))
                .as("no rotation is far worse on common rows").isGreaterThan((Double) rh.get("common"));
    }
}
