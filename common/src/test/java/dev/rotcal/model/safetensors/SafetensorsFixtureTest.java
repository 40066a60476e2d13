package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.model.TestFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reads the tiny real checkpoints (written by Python, not by rotcal). Reference numbers were computed with
 * numpy 2.4.6 from the same files (bf16 as uint16 << 16, f16 via astype(float32), sums in float64).
 */
class SafetensorsFixtureTest {

    private static long key(JsonNode config, String name) {
        return config.get(name).asLong();
    }

    @Test
    void tinyLlama3IsBf16WithShapesFromItsConfig() throws Exception {
        Path dir = TestFixtures.dir(TestFixtures.TINY_LLAMA3);
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        long hidden = key(config, "hidden_size");
        long headDim = hidden / key(config, "num_attention_heads");
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThat(file.tensorNames()).as("embed + norm + lm_head + 2 layers × 9").hasSize(21);
            assertThat(file.header().tensors().values()).as("the fixture is bf16")
                    .allMatch(t -> t.dtype() == SafetensorsDtype.BF16);
            assertThat(file.info("model.layers.1.self_attn.k_proj.weight").shape()).as("k_proj is [kv·hd, hidden]")
                    .containsExactly(key(config, "num_key_value_heads") * headDim, hidden);
            assertThat(file.info("model.layers.0.mlp.down_proj.weight").shape()).as("down_proj is [hidden, inter]")
                    .containsExactly(hidden, key(config, "intermediate_size"));
            assertThat(file.info("lm_head.weight").shape()).as("lm_head is [vocab, hidden]")
                    .containsExactly(key(config, "vocab_size"), hidden);

            float[] k = file.readFloats("model.layers.1.self_attn.k_proj.weight");
            assertThat(k[0]).as("first element as numpy decodes it").isEqualTo(-0.36132812f);
            assertThat(k[k.length - 1]).as("last element as numpy decodes it").isEqualTo(-0.07470703f);
            assertThat(sum(k)).as("sum of k_proj as numpy computes it").isCloseTo(5.844826698303223, within(1e-9));
            assertThat(sum(file.readFloats("model.norm.weight"))).as("final norm gain sum")
                    .isCloseTo(64.59765625, within(1e-12));
            double total = file.readWithPrefix("").values().stream().mapToDouble(t -> sum(t.floats())).sum();
            assertThat(total).as("sum over every tensor").isCloseTo(245.570419119671, within(1e-8));
        }
    }

    @Test
    void tinyQwen2IsF16WithBiases() throws Exception {
        Path dir = TestFixtures.dir(TestFixtures.TINY_QWEN2);
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        long hidden = key(config, "hidden_size");
        long headDim = hidden / key(config, "num_attention_heads");
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThat(file.tensorNames()).as("embed + norm + 2 layers × 12, no lm_head (tied)").hasSize(26)
                    .doesNotContain("lm_head.weight");
            assertThat(file.header().tensors().values()).as("the fixture is f16")
                    .allMatch(t -> t.dtype() == SafetensorsDtype.F16);
            assertThat(file.info("model.layers.0.self_attn.k_proj.bias").shape()).as("k bias is [kv·hd]")
                    .containsExactly(key(config, "num_key_value_heads") * headDim);
            Map<String, Tensor> layer0 = file.readWithPrefix("model.layers.0.");
            assertThat(layer0).as("one layer: 9 weights + 3 biases").hasSize(12);
            float[] qBias = layer0.get("model.layers.0.self_attn.q_proj.bias").floats();
            assertThat(qBias[0]).as("first q bias as numpy decodes it").isEqualTo(-0.025009155f);
            assertThat(sum(qBias)).as("q bias sum").isCloseTo(1.1334228515625, within(1e-12));
            float[] down = file.readFloats("model.layers.1.mlp.down_proj.weight");
            assertThat(down[0]).as("a small f16 value").isEqualTo(0.0019035339f);
            assertThat(sum(down)).as("down_proj sum").isCloseTo(-6.038124740123749, within(1e-9));
            double total = file.readWithPrefix("").values().stream().mapToDouble(t -> sum(t.floats())).sum();
            assertThat(total).as("sum over every tensor").isCloseTo(230.1507589817047, within(1e-8));
        }
    }

    @Test
    void expectedOutputsAreF32WithMetadata() {
        Path file = TestFixtures.dir(TestFixtures.TINY_LLAMA3).resolve("expected.safetensors");
        try (SafetensorsFile expected = SafetensorsFile.open(file)) {
            assertThat(expected.metadata().get("about")).as("the fixture's __metadata__")
                    .startsWith("float64 reference forward");
            TensorInfo nll = expected.info("seq0.nll");
            assertThat(nll.dtype()).as("expected values are f32").isEqualTo(SafetensorsDtype.F32);
            assertThat(nll.shape()).as("23 next-token losses").isEqualTo(List.of(23L));
            float[] values = expected.readFloats("seq0.nll");
            assertThat(values[0]).as("first nll as numpy reads it").isEqualTo(4.5618086f);
            assertThat(sum(values)).as("nll sum").isCloseTo(118.35544061660767, within(1e-9));
        }
    }

    static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
