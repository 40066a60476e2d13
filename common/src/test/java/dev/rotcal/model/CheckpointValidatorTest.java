package dev.rotcal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.CheckpointFormatException;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointValidatorTest {
    @TempDir
    Path tmp;

    /** A copy of fixture {@code name} (config.json + model.safetensors) with its tensors edited. */
    private Path editedCopy(String name, Consumer<Map<String, Tensor>> edit) throws IOException {
        Path fixture = TestFixtures.dir(name);
        Map<String, Tensor> tensors;
        try (Checkpoint checkpoint = Checkpoint.open(fixture)) {
            tensors = new TreeMap<>(checkpoint.readWithPrefix(""));
        }
        edit.accept(tensors);
        Path dir = Files.createTempDirectory(tmp, name + "-");
        Files.copy(fixture.resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), tensors.values());
        return dir;
    }

    private static void validate(Path dir) {
        ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            CheckpointValidator.validate(config, checkpoint);
        }
    }

    @Test
    void fixturesMatchTheirConfigs() {
        for (String name : List.of(TestFixtures.TINY_LLAMA3, TestFixtures.TINY_QWEN2)) {
            assertThatCode(() -> validate(TestFixtures.dir(name))).as("%s validates against its config.json", name)
                    .doesNotThrowAnyException();
        }
        ModelConfig qwen = ModelConfig.read(TestFixtures.dir(TestFixtures.TINY_QWEN2).resolve("config.json"));
        try (Checkpoint checkpoint = Checkpoint.open(TestFixtures.dir(TestFixtures.TINY_QWEN2))) {
            Map<String, Tensor> layer = checkpoint.readWithPrefix(qwen.layout().layerPrefix(1));
            assertThat(layer.keySet()).as("a prefix read returns exactly the layout's layer tensors")
                    .containsExactlyInAnyOrderElementsOf(qwen.layout().expectedLayerShapes(qwen, 1).keySet());
            layer.forEach((n, t) -> assertThat(t.shape()).as("%s shape", n)
                    .isEqualTo(qwen.layout().expectedLayerShapes(qwen, 1).get(n)));
        }
    }

    @Test
    void aTransposedProjectionIsNamedWithBothShapes() throws IOException {
        String k = "model.layers.0.self_attn.k_proj.weight";
        Path dir = editedCopy(TestFixtures.TINY_LLAMA3, t -> t.put(k, Tensor.ofFloats(k, SafetensorsDtype.BF16,
                List.of(64L, 32L), t.get(k).floats())));
        assertThatThrownBy(() -> validate(dir)).as("k_proj stored [in, out]")
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage("Cannot use checkpoint " + dir + ": tensor " + k + " has shape [64, 32], config.json"
                        + " implies [32, 64]");
    }

    @Test
    void missingTensorsAreNamed() throws IOException {
        Path noUp = editedCopy(TestFixtures.TINY_LLAMA3, t -> t.remove("model.layers.1.mlp.up_proj.weight"));
        assertThatThrownBy(() -> validate(noUp)).as("a layer weight is missing")
                .hasMessage("Cannot use checkpoint " + noUp + ": tensor model.layers.1.mlp.up_proj.weight is missing,"
                        + " config.json (model_type llama, 2 layers) implies it");
    }

    @Test
    void untiedModelsNeedLmHead() throws IOException {
        Path dir = editedCopy(TestFixtures.TINY_LLAMA3, t -> t.remove("lm_head.weight"));
        assertThatThrownBy(() -> validate(dir)).as("lm_head missing while tie_word_embeddings is false")
                .hasMessageEndingWith("tensor lm_head.weight is missing, config.json (model_type llama, 2 layers,"
                        + " tie_word_embeddings false) implies it");
    }

    @Test
    void qwen2NeedsItsBiasesButMayCarryATiedLmHead() throws IOException {
        Path noBias = editedCopy(TestFixtures.TINY_QWEN2, t -> t.remove("model.layers.0.self_attn.v_proj.bias"));
        assertThatThrownBy(() -> validate(noBias)).as("qwen2 without a v bias")
                .hasMessageEndingWith("tensor model.layers.0.self_attn.v_proj.bias is missing, config.json"
                        + " (model_type qwen2, 2 layers) implies it");
        Path withHead = editedCopy(TestFixtures.TINY_QWEN2, t -> t.put("lm_head.weight", Tensor.ofFloats(
                "lm_head.weight", SafetensorsDtype.F16, List.of(96L, 48L), t.get("model.embed_tokens.weight")
                        .floats())));
        assertThatCode(() -> validate(withHead)).as("an lm_head next to tied embeddings is ignored, as HF does")
                .doesNotThrowAnyException();
    }

    @Test
    void extraLayersAndIntegerWeightsAreRejected() throws IOException {
        Path extra = editedCopy(TestFixtures.TINY_LLAMA3, t -> t.put("model.layers.2.input_layernorm.weight",
                Tensor.ofFloats("model.layers.2.input_layernorm.weight", SafetensorsDtype.BF16, List.of(64L),
                        new float[64])));
        assertThatThrownBy(() -> validate(extra)).as("the checkpoint has more layers than config.json")
                .hasMessageEndingWith("tensor model.layers.2.input_layernorm.weight belongs to a layer beyond"
                        + " num_hidden_layers 2 in config.json");
        Path quantized = editedCopy(TestFixtures.TINY_LLAMA3, t -> {
            t.put("model.norm.weight", Tensor.ofBytes("model.norm.weight", SafetensorsDtype.I8, List.of(64L),
                    new byte[64]));
            t.remove("model.layers.0.mlp.gate_proj.weight");
        });
        assertThatThrownBy(() -> validate(quantized)).as("an I8 weight and a missing one: first named, second counted")
                .hasMessageEndingWith("tensor model.layers.0.mlp.gate_proj.weight is missing, config.json"
                        + " (model_type llama, 2 layers) implies it (and 1 more)");
        ModelConfig config = ModelConfig.read(quantized.resolve("config.json"));
        try (Checkpoint checkpoint = Checkpoint.open(quantized)) {
            assertThat(CheckpointValidator.problems(config, checkpoint.infos())).as("every problem is listed")
                    .contains("tensor model.norm.weight has dtype I8, rotcal reads F32, F16 or BF16 weights"
                            + " (already-quantized checkpoint?)");
        }
    }
}
