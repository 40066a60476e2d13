package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.model.Llama3RopeScaling;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.ModelFamily;
import dev.rotcal.model.SlidingWindow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The real-shaped models' config.json, parsed by rotcal's own parser, against the published values of each
 * model (written out here, not taken from {@link ModelShape}), and one layer's tensor shapes at real width.
 */
class ShapedModelConfigTest {

    /** The published config.json values, in rotcal's ModelConfig terms. */
    private record Real(ModelFamily family, int hidden, int intermediate, int heads, int kvHeads, int headDim,
                        int vocab, double ropeTheta, double rmsNormEps, int maxPositions,
                        Optional<Llama3RopeScaling> ropeScaling, Optional<SlidingWindow> slidingWindow, int bos,
                        List<Integer> eos) {
    }

    private static final Llama3RopeScaling LLAMA3_1 = new Llama3RopeScaling(8.0, 1.0, 4.0, 8192);

    private static final Map<ModelShape, Real> REAL = Map.of(
            ModelShape.LLAMA3_8B, new Real(ModelFamily.LLAMA, 4096, 14336, 32, 8, 128, 128256, 500000.0, 1e-5, 131072,
                    Optional.of(LLAMA3_1), Optional.empty(), 128000, List.of(128001)),
            ModelShape.LLAMA3_70B, new Real(ModelFamily.LLAMA, 8192, 28672, 64, 8, 128, 128256, 500000.0, 1e-5,
                    131072, Optional.of(LLAMA3_1), Optional.empty(), 128000, List.of(128001)),
            ModelShape.LLAMA2_7B, new Real(ModelFamily.LLAMA, 4096, 11008, 32, 32, 128, 32000, 10000.0, 1e-5, 4096,
                    Optional.empty(), Optional.empty(), 1, List.of(2)),
            ModelShape.MISTRAL_7B, new Real(ModelFamily.MISTRAL, 4096, 14336, 32, 8, 128, 32000, 10000.0, 1e-5,
                    32768, Optional.empty(), Optional.of(new SlidingWindow(4096, 0)), 1, List.of(2)),
            ModelShape.QWEN2_7B, new Real(ModelFamily.QWEN2, 3584, 18944, 28, 4, 128, 152064, 1000000.0, 1e-6,
                    131072, Optional.empty(), Optional.empty(), 151643, List.of(151643)));

    @Test
    void everyShapesConfigParsesToTheRealModelsValues() {
        assertThat(REAL.keySet()).as("every shape has its published values here").containsExactlyInAnyOrder(
                ModelShape.values());
        for (ModelShape shape : ModelShape.values()) {
            int layers = Math.min(3, shape.realLayers());
            ModelConfig c = parse(ShapedModelSpec.of(shape, layers));
            Real r = REAL.get(shape);
            assertThat(new Real(c.family(), c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(),
                    c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.ropeTheta(), c.rmsNormEps(),
                    c.maxPositionEmbeddings(), c.ropeScaling(), c.slidingWindow(), c.bosTokenId().orElse(-1),
                    c.eosTokenIds())).as("%s's config.json as rotcal reads it", shape.cliName()).isEqualTo(r);
            assertThat(c.numHiddenLayers()).as("%s: only the layers asked for", shape.cliName()).isEqualTo(layers);
            assertThat(c.tieWordEmbeddings()).as("%s: untied lm_head, as the real model", shape.cliName()).isFalse();
            assertThat(c.family().hasQkvBias()).as("%s: q/k/v biases only for qwen2", shape.cliName())
                    .isEqualTo(shape == ModelShape.QWEN2_7B);
            assertThat(c.torchDtype()).as("the weights' dtype").contains("bfloat16");
        }
    }

    @Test
    void configKeysAreSortedAsTransformersWritesThem() {
        for (ModelShape shape : ModelShape.values()) {
            List<String> keys = iterable(ShapedModelSpec.of(shape, 1).config().fieldNames());
            assertThat(keys).as("%s config.json keys", shape.cliName()).isSorted().contains("model_type",
                    "num_hidden_layers", "vocab_size");
            assertThat(keys).as("%s names head_dim only when it is not hidden / heads (the real files do not)",
                    shape.cliName()).doesNotContain("head_dim");
        }
        assertThat(ShapedModelSpec.of(ModelShape.LLAMA3_8B, 1).config().get("rope_scaling").toString())
                .as("Llama-3.1's rope_scaling").isEqualTo("{\"factor\":8.0,\"high_freq_factor\":4.0,"
                        + "\"low_freq_factor\":1.0,\"original_max_position_embeddings\":8192,"
                        + "\"rope_type\":\"llama3\"}");
        assertThat(ShapedModelSpec.of(ModelShape.QWEN2_7B, 1).config().get("use_sliding_window").asBoolean())
                .as("Qwen2-7B has its sliding window off").isFalse();
    }

    @Test
    void oneLayersTensorsHaveTheRealShapes() {
        ShapedWeights llama = new ShapedWeights(ShapedMechanism.of(ShapedModelSpec.of(ModelShape.LLAMA3_8B, 2)));
        assertThat(shapes(llama, 1)).as("Llama-3.1-8B layer 1").isEqualTo(Map.of(
                "model.layers.1.input_layernorm.weight", List.of(4096L),
                "model.layers.1.self_attn.q_proj.weight", List.of(4096L, 4096L),
                "model.layers.1.self_attn.k_proj.weight", List.of(1024L, 4096L),
                "model.layers.1.self_attn.v_proj.weight", List.of(1024L, 4096L),
                "model.layers.1.self_attn.o_proj.weight", List.of(4096L, 4096L),
                "model.layers.1.post_attention_layernorm.weight", List.of(4096L),
                "model.layers.1.mlp.gate_proj.weight", List.of(14336L, 4096L),
                "model.layers.1.mlp.up_proj.weight", List.of(14336L, 4096L),
                "model.layers.1.mlp.down_proj.weight", List.of(4096L, 14336L)));
        ShapedWeights qwen = new ShapedWeights(ShapedMechanism.of(ShapedModelSpec.of(ModelShape.QWEN2_7B, 1)));
        assertThat(shapes(qwen, 0)).as("Qwen2-7B layer 0, with its biases").containsAllEntriesOf(Map.of(
                "model.layers.0.self_attn.q_proj.weight", List.of(3584L, 3584L),
                "model.layers.0.self_attn.q_proj.bias", List.of(3584L),
                "model.layers.0.self_attn.k_proj.bias", List.of(512L),
                "model.layers.0.self_attn.v_proj.bias", List.of(512L),
                "model.layers.0.mlp.down_proj.weight", List.of(3584L, 18944L))).hasSize(12);
        List<TensorSource> all = qwen.tensors();
        assertThat(all.get(0).name() + " " + all.get(0).shape()).as("embedding first, at the real vocabulary")
                .isEqualTo("model.embed_tokens.weight [152064, 3584]");
        assertThat(all.get(all.size() - 1).name() + " " + all.get(all.size() - 1).shape()).as("lm_head last, untied")
                .isEqualTo("lm_head.weight [152064, 3584]");
        long bytes = all.stream().mapToLong(TensorSource::bytes).sum();
        assertThat(bytes).as("Qwen2-7B with one layer in BF16: 2 × 1.09 GB of embeddings + 0.47 GB of layer")
                .isEqualTo(2L * (2 * 152064L * 3584 + 3584) + 2L * (2 * 3584 * 3584L + 2 * 512 * 3584L + 3584 + 2 * 512
                        + 3 * 3584L * 18944 + 2 * 3584));
    }

    @Test
    void theMechanismSitsOnLlama2sChannelsAtTheRealWidths() {
        for (ModelShape shape : ModelShape.values()) {
            ShapedMechanism m = ShapedMechanism.of(ShapedModelSpec.of(shape, 4));
            assertThat(m.channels().massive()).as("%s massive channels", shape.cliName()).containsExactly(2533, 1415);
            assertThat(m.plantedLayer()).as("planted layer with ≥ 2 layers").isEqualTo(1);
            assertThat(m.codes().minDistance()).as("%s: two tokens' 64-channel codes differ in ≥ 8 channels",
                    shape.cliName()).isGreaterThanOrEqualTo(8);
            assertThat(m.circuit().positions()).as("the self head is exact over every position of the model")
                    .isEqualTo(m.config().maxPositionEmbeddings());
        }
        ShapedMechanism one = ShapedMechanism.of(ShapedModelSpec.of(ModelShape.LLAMA3_70B, 1));
        assertThat(one.plantedLayer()).as("one layer: planted in layer 0").isZero();
        assertThat(one.firstTokenMassive()).as("without a second layer position 0 cannot be detected").isFalse();
    }

    @Test
    void badSpecsFailInOneLine() {
        assertThatThrownBy(() -> ShapedModelSpec.of(ModelShape.QWEN2_7B, 29)).hasMessage("Cannot write qwen2-7b with"
                + " 29 layers: the real model has 28, so 1..28");
        assertThatThrownBy(() -> ShapedModelSpec.of(ModelShape.LLAMA3_8B, 0)).hasMessageContaining("0 layers");
        assertThatThrownBy(() -> ShapedModelSpec.of(ModelShape.MISTRAL_7B, 1).withWindows(1, 1, 8192))
                .hasMessage("Cannot write windows of 8192 tokens for mistral-7b: supported 16..4096 (its"
                        + " max_position_embeddings and sliding_window)");
        assertThatThrownBy(() -> ShapedModelSpec.of(ModelShape.LLAMA2_7B, 1).withWindows(0, 1, 2048))
                .hasMessageContaining("need at least one of each");
    }

    private static Map<String, List<Long>> shapes(ShapedWeights weights, int layer) {
        return weights.layer(layer).values().stream().collect(Collectors.toMap(TensorSource::name,
                TensorSource::shape, (a, b) -> a, TreeMap::new));
    }

    private static ModelConfig parse(ShapedModelSpec spec) {
        return ModelConfig.parse("test", spec.config().toString().getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }
}
