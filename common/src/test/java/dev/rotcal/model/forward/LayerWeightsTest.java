package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TestFixtures;
import dev.rotcal.model.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerWeightsTest {

    private static ModelConfig config(String fixture) {
        return ModelConfig.read(TestFixtures.dir(fixture).resolve(ModelConfig.FILE_NAME));
    }

    @Test
    void readsBiasesOnlyForFamiliesThatHaveThem() {
        for (String fixture : new String[] {TestFixtures.TINY_LLAMA3, TestFixtures.TINY_QWEN2}) {
            ModelConfig config = config(fixture);
            LayerWeights w;
            try (Checkpoint checkpoint = Checkpoint.open(TestFixtures.dir(fixture))) {
                w = LayerWeights.read(checkpoint, config, 1);
            }
            boolean biases = config.family().hasQkvBias();
            assertThat(new Object[] {w.bq(), w.bk(), w.bv()})
                    .as("%s: q/k/v biases present iff the family has them (%s)", fixture, biases)
                    .allMatch(b -> (b != null) == biases);
            assertThat(w.wk()).as("%s: k_proj is (kv_heads · head_dim, hidden)", fixture)
                    .hasSize(config.kvDim() * config.hiddenSize());
        }
    }

    @Test
    void namesTheMissingTensor() {
        ModelConfig config = config(TestFixtures.TINY_QWEN2);
        Path dir = TestFixtures.dir(TestFixtures.TINY_QWEN2);
        Map<String, float[]> tensors = new HashMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            checkpoint.readWithPrefix("model.layers.0.").forEach((name, t) -> tensors.put(name, t.floats()));
        }
        assertThat(LayerWeights.fromTensors(tensors, config, 0).bv()).as("all of layer 0 is there").isNotNull();

        tensors.remove("model.layers.0.self_attn.v_proj.bias");
        assertThatThrownBy(() -> LayerWeights.fromTensors(tensors, config, 0))
                .as("a qwen2 layer without its v_proj bias cannot run")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.layers.0.self_attn.v_proj.bias is missing");
        assertThatThrownBy(() -> LayerWeights.fromTensors(tensors, config, 2))
                .as("the fixture has 2 layers").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("num_hidden_layers");
    }
}
