package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.ModelFiles.write;
import static dev.rotcal.jobs.config.ModelFiles.writeModel;
import static dev.rotcal.jobs.config.Settings.loader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotcal.jobs.io.HadoopStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preflight on local files through HadoopStorage (file:). */
class PreflightLocalTest {
    private static final String SUPPORTED = "supported: K·2^m with K in {1, 12, 20, 28, 36, 40, 52, 60, 108, 140, 148,"
            + " 156, 172}";

    @TempDir
    Path dir;

    private HadoopStorage storage;
    private String model;
    private String data;
    private String out;

    @BeforeEach
    void files() throws IOException {
        storage = HadoopStorage.of(Map.of());
        model = "file:" + dir.resolve("models/tiny-llama");
        data = "file:" + dir.resolve("data/tokens.npy");
        out = "file:" + dir.resolve("out");
        writeModel(storage, model, 64);
        write(storage, data, "tokens");
    }

    @AfterEach
    void close() throws IOException {
        storage.close();
    }

    private RotcalSettings settings(String... more) {
        List<String> sets = new ArrayList<>(List.of("rotcal.model.uri=" + model, "rotcal.data.uri=" + data,
                "rotcal.output.uri=" + out, "rotcal.run-id=r1"));
        sets.addAll(Arrays.asList(more));
        return loader().load(List.of(), sets);
    }

    private SettingsException refusal(RotcalSettings settings) {
        SettingsException e = catchThrowableOfType(() -> new Preflight(storage).check(settings), SettingsException.class);
        assertThat(e).as("preflight refuses").isNotNull();
        assertThat(e.exitCode()).isEqualTo(2);
        return e;
    }

    @Test
    void passesAndResolvesNames() throws IOException {
        PreflightResult result = new Preflight(storage).check(settings());

        assertThat(result.modelConfig()).as("config.json parsed").hasValueSatisfying(c ->
                assertThat(c.hiddenSize()).isEqualTo(64));
        assertThat(result.hiddenHadamard()).hasValueSatisfying(h -> assertThat(h.k()).isEqualTo(1));
        assertThat(result.modelName()).isEqualTo("tiny-llama");
        assertThat(result.runId()).isEqualTo("r1");
        assertThat(result.layout().runUri()).isEqualTo(out + "/tiny-llama/r1");
        assertThat(result.replacesRun()).isFalse();
    }

    @Test
    void anOutputThatCannotBeWrittenIsRefusedBeforeAnyWorkAndLeavesNothing() throws IOException {
        java.nio.file.Files.writeString(dir.resolve("a-file"), "not a directory");
        String underAFile = "file:" + dir.resolve("a-file/out");

        SettingsException e = refusal(settings("rotcal.output.uri=\"" + underAFile + "\""));

        assertThat(e.getMessage()).startsWith("Cannot write to the output " + underAFile + ": ")
                .endsWith("(check rotcal.output.uri and the permissions there)").doesNotContain("\n");
        new Preflight(storage).check(settings());
        assertThat(dir.resolve("out/tiny-llama/_staging")).as("the probe is removed with its empty staging root")
                .doesNotExist();
    }

    @Test
    void missingConfigJson() throws IOException {
        storage.delete(model + "/config.json");

        assertThat(refusal(settings()).getMessage()).isEqualTo("Cannot read model config " + model
                + "/config.json: not found (check rotcal.model.uri)");
    }

    @Test
    void malformedConfigJson() throws IOException {
        write(storage, model + "/config.json", "{\"model_type\": \"llama\",");

        assertThat(refusal(settings()).getMessage()).as("ModelConfig's one line, naming the file")
                .startsWith("Cannot read model config " + model + "/config.json: not valid JSON: ");
    }

    @Test
    void hiddenSizeWithoutHadamard() throws IOException {
        writeModel(storage, model, 100);

        assertThat(refusal(settings()).getMessage()).isEqualTo("Cannot calibrate tiny-llama: hidden size 100 has no"
                + " Hadamard matrix (" + SUPPORTED + ")");
    }

    @Test
    void missingWeights() throws IOException {
        storage.delete(model + "/model.safetensors");

        assertThat(refusal(settings()).getMessage()).isEqualTo("Cannot read the weights of " + model + ": neither"
                + " model.safetensors nor model.safetensors.index.json is there (check rotcal.model.uri)");
    }

    @Test
    void shardedWeightsAreEnough() throws IOException {
        storage.delete(model + "/model.safetensors");
        write(storage, model + "/model.safetensors.index.json", "{}");

        assertThat(new Preflight(storage).check(settings()).modelConfig()).isPresent();
    }

    @Test
    void missingData() throws IOException {
        storage.delete(data);

        assertThat(refusal(settings()).getMessage()).isEqualTo("Cannot read calibration data " + data + ": not found"
                + " (check rotcal.data.uri)");
    }

    @Test
    void missingTokenizerForText() throws IOException {
        String text = "file:" + dir.resolve("data/corpus.txt");
        write(storage, text, "Hello world");

        assertThat(refusal(settings("rotcal.data.uri=" + text)).getMessage()).isEqualTo("Cannot read tokenizer "
                + model + "/tokenizer.json: not found (check rotcal.data.tokenizer-uri)");
    }

    @Test
    void groupSizeThatDoesNotDivideTheInputWidths() {
        assertThat(refusal(settings("rotcal.scales.group-size=48")).getMessage()).isEqualTo("Cannot use"
                + " rotcal.scales.group-size = 48 for tiny-llama: it does not divide hidden_size = 64 (choose a divisor"
                + " of every linear's input width, or 0 for per-channel scales)");
    }

    @Test
    void groupSizeIsUncheckedWithoutIntWeights() throws IOException {
        assertThat(new Preflight(storage).check(settings("rotcal.scales.group-size=48",
                "rotcal.scales.weight-methods=[nvfp4]")).modelConfig()).isPresent();
    }

    @Test
    void fp4BlocksThatDoNotTileTheInputs() throws IOException {
        write(storage, model + "/config.json", ModelFiles.configJson(64, 144));
        assertThat(refusal(settings("rotcal.scales.weight-methods=[rtn, mxfp4]")).getMessage()).isEqualTo("Cannot"
                + " compute mxfp4 weight scales for tiny-llama: its blocks of 32 do not tile intermediate_size = 144"
                + " (remove mxfp4 from rotcal.scales.weight-methods)");
    }

    @Test
    void missingEvaluationData() {
        String heldOut = "file:" + dir.resolve("data/held-out.npy");
        assertThat(refusal(settings("rotcal.evaluate.data-uri=" + heldOut)).getMessage()).isEqualTo("Cannot read"
                + " evaluation data " + heldOut + ": not found (check rotcal.evaluate.data-uri)");
    }

    @Test
    void sequencesLongerThanTheModelsPositions() {
        assertThat(refusal(settings("rotcal.data.sequence-length=8192")).getMessage()).isEqualTo("Cannot calibrate"
                + " tiny-llama: rotcal.data.sequence-length = 8192 is longer than max_position_embeddings 4096 of "
                + model + "/config.json (lower rotcal.data.sequence-length)");
    }

    @Test
    void publishedRunIsRefusedUnlessOverwrite() throws IOException {
        write(storage, out + "/tiny-llama/r1/manifest.json", "{}");

        assertThat(refusal(settings()).getMessage()).isEqualTo("Cannot publish to " + out + "/tiny-llama/r1: a"
                + " published run is there (set rotcal.output.overwrite=true or choose another rotcal.run-id)");
        assertThat(new Preflight(storage).check(settings("rotcal.output.overwrite=true")).replacesRun())
                .as("overwrite allows it and says so").isTrue();
        assertThat(new Preflight(storage).check(settings("rotcal.run-id=r2")).replacesRun())
                .as("another run id is free").isFalse();
    }

    @Test
    void missingActivationDumps() {
        String dumps = "file:" + dir.resolve("dumps/mixtral");
        RotcalSettings settings = loader().load(List.of(), List.of("rotcal.activations.uri=" + dumps,
                "rotcal.output.uri=" + out));

        assertThat(refusal(settings).getMessage()).isEqualTo("Cannot read activation dumps " + dumps + ": not found"
                + " (check rotcal.activations.uri)");
    }
}
