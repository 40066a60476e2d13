package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.model.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecoderLayerTest {
    private static final DecoderShape SHAPE = new DecoderShape(24, 40, 4, 2, 6, 1e-6);
    private static final int SEQ_LEN = 5;
    private static final int ROWS = 3 * SEQ_LEN;

    /** Random layer tensors with q/k/v biases (qwen2-like) for SHAPE. */
    private static LayerWeights randomLayer(Random rng) {
        int d = SHAPE.hidden();
        int qw = SHAPE.qWidth();
        int kw = SHAPE.kvWidth();
        int ff = SHAPE.intermediate();
        double s = 1 / Math.sqrt(d);
        return new LayerWeights(gain(rng, d),
                RandomBlocks.gaussian(rng, qw * d, s), RandomBlocks.gaussian(rng, qw, 0.1),
                RandomBlocks.gaussian(rng, kw * d, s), RandomBlocks.gaussian(rng, kw, 0.1),
                RandomBlocks.gaussian(rng, kw * d, s), RandomBlocks.gaussian(rng, kw, 0.1),
                RandomBlocks.gaussian(rng, d * qw, 1 / Math.sqrt(qw)), gain(rng, d),
                RandomBlocks.gaussian(rng, ff * d, s), RandomBlocks.gaussian(rng, ff * d, s),
                RandomBlocks.gaussian(rng, d * ff, 1 / Math.sqrt(ff)));
    }

    private static float[] gain(Random rng, int d) {
        float[] g = new float[d];
        for (int i = 0; i < d; i++) {
            g[i] = (float) (1 + 0.3 * rng.nextGaussian());
        }
        return g;
    }

    private static DecoderLayer layer() {
        return new DecoderLayer(SHAPE, RotaryEmbedding.standard(SHAPE.headDim(), 10000));
    }

    @Test
    void switchesOffKeepNothingAndDoNotChangeTheResult() {
        Random rng = new Random(51);
        LayerWeights w = randomLayer(rng);
        float[] h0 = RandomBlocks.gaussian(rng, ROWS * SHAPE.hidden(), 1);
        int[] positions = ModelForward.positions(ROWS, SEQ_LEN);

        float[] hNone = h0.clone();
        LayerCaptures none = layer().forward(hNone, positions, SEQ_LEN, w, CaptureSwitches.NONE);
        float[] hAll = h0.clone();
        LayerCaptures all = layer().forward(hAll, positions, SEQ_LEN, w, CaptureSwitches.ALL);

        assertThat(new Object[] {none.attentionInput(), none.mlpInput(), none.attentionOutput(),
                none.downProjInput(), none.keys(), none.values()})
                .as("with every switch off no capture is kept").containsOnlyNulls();
        assertThat(new Object[] {all.attentionInput(), all.mlpInput(), all.attentionOutput(),
                all.downProjInput(), all.keys(), all.values()})
                .as("with every switch on every capture is kept").doesNotContainNull();
        assertThat(hNone).as("captures must not change the residual stream").containsExactly(hAll);
        assertThat(hNone).as("the residual stream is updated in place").isNotEqualTo(h0);

        LayerCaptures rowsOnly = layer().forward(h0.clone(), positions, SEQ_LEN, w, CaptureSwitches.NORM_ROWS);
        assertThat(rowsOnly.attentionInput()).as("NORM_ROWS keeps attn_in").isNotNull();
        assertThat(rowsOnly.mlpInput()).as("NORM_ROWS keeps mlp_in").isNotNull();
        assertThat(new Object[] {rowsOnly.attentionOutput(), rowsOnly.downProjInput(), rowsOnly.keys(),
                rowsOnly.values()}).as("NORM_ROWS keeps nothing else").containsOnlyNulls();
    }

    @Test
    void capturesAreTheIntermediatesOfTheLayer() {
        Random rng = new Random(52);
        LayerWeights w = randomLayer(rng);
        int d = SHAPE.hidden();
        float[] h0 = RandomBlocks.gaussian(rng, ROWS * d, 1);
        int[] positions = ModelForward.positions(ROWS, SEQ_LEN);
        float[] h = h0.clone();
        LayerCaptures c = layer().forward(h, positions, SEQ_LEN, w, CaptureSwitches.ALL);

        // attn_in is x / rms(x) of the layer input, without the gain
        float[] attnIn = new float[h0.length];
        RmsNorm.normalize(h0, attnIn, ROWS, d, SHAPE.rmsNormEps());
        assertThat(c.attentionInput()).as("attn_in = input_layernorm output without gain")
                .containsExactly(attnIn);

        // K and V are the projections of the gained norm output (K rotated), per KV head side by side
        float[] x = RmsNorm.normalizeWithGain(h0, ROWS, w.inputNorm(), SHAPE.rmsNormEps());
        float[] k = Gemm.linear(x, ROWS, d, w.wk(), SHAPE.kvWidth(), w.bk());
        RotaryEmbedding.standard(SHAPE.headDim(), 10000).apply(k, ROWS, SHAPE.nKvHeads(), positions);
        float[] v = Gemm.linear(x, ROWS, d, w.wv(), SHAPE.kvWidth(), w.bv());
        assertThat(RandomBlocks.maxAbsDiff(c.keys(), k)).as("keys = rope(k_proj(x) + b)").isLessThan(1e-6);
        assertThat(RandomBlocks.maxAbsDiff(c.values(), v)).as("values = v_proj(x) + b").isLessThan(1e-6);

        // the residual update is exactly o_proj(attention output) + down_proj(down input)
        float[] hMid = h0.clone();
        float[] o = Gemm.linear(c.attentionOutput(), ROWS, SHAPE.qWidth(), w.wo(), d, null);
        for (int i = 0; i < hMid.length; i++) {
            hMid[i] += o[i];
        }
        float[] mlpIn = new float[h0.length];
        RmsNorm.normalize(hMid, mlpIn, ROWS, d, SHAPE.rmsNormEps());
        assertThat(RandomBlocks.maxAbsDiff(c.mlpInput(), mlpIn))
                .as("mlp_in = post_attention_layernorm(h + o_proj(attn out)) without gain").isLessThan(1e-6);
        float[] down = Gemm.linear(c.downProjInput(), ROWS, SHAPE.intermediate(), w.wDown(), d, null);
        for (int i = 0; i < hMid.length; i++) {
            hMid[i] += down[i];
        }
        assertThat(RandomBlocks.maxAbsDiff(h, hMid)).as("h_out = h + o_proj(attn out) + down_proj(down in)")
                .isLessThan(1e-6);
    }

    @Test
    void rejectsWeightsOfTheWrongShape() {
        Random rng = new Random(53);
        LayerWeights w = randomLayer(rng);
        LayerWeights bad = new LayerWeights(w.inputNorm(), w.wq(), w.bq(), w.wk(), w.bk(), w.wv(),
                new float[3], w.wo(), w.postAttentionNorm(), w.wGate(), w.wUp(), w.wDown());
        assertThatThrownBy(() -> layer().forward(new float[ROWS * SHAPE.hidden()],
                ModelForward.positions(ROWS, SEQ_LEN), SEQ_LEN, bad, CaptureSwitches.NONE))
                .as("a v_proj bias of 3 values cannot fit kv width %d", SHAPE.kvWidth())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v_proj.bias");

        DecoderShape other = new DecoderShape(SHAPE.hidden(), SHAPE.intermediate(), SHAPE.nHeads(),
                SHAPE.nKvHeads(), SHAPE.headDim(), 1e-5);
        try (NativeLayerWeights nw = NativeLayerWeights.copyOf(w, other)) {
            assertThatThrownBy(() -> layer().forward(new float[ROWS * SHAPE.hidden()],
                    ModelForward.positions(ROWS, SEQ_LEN), SEQ_LEN, nw, CaptureSwitches.NONE))
                    .as("weights prepared for another eps belong to another model")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("with weights of shape");
        }
    }

    @Test
    void refusesSequencesLongerThanASlidingWindow() {
        ModelConfig mistral = ModelConfig.parse("test-mistral", ("{\"model_type\": \"mistral\", "
                + "\"hidden_size\": 24, \"intermediate_size\": 40, \"num_hidden_layers\": 1, "
                + "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 10, "
                + "\"sliding_window\": 4}").getBytes(StandardCharsets.UTF_8));
        DecoderShape shape = DecoderShape.of(mistral);
        assertThat(shape.maxSeqLen()).as("sliding_window bounds the exact sequence length").isEqualTo(4);
        LayerWeights w = randomLayer(new Random(55));
        DecoderLayer layer = new DecoderLayer(shape, RotaryEmbedding.of(mistral));

        layer.forward(new float[8 * 24], ModelForward.positions(8, 4), 4, w, CaptureSwitches.NONE);
        assertThatThrownBy(() -> layer.forward(new float[8 * 24], ModelForward.positions(8, 8), 8, w,
                CaptureSwitches.NONE))
                .as("8 tokens exceed the window of 4, and full causal attention would silently differ")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sliding window of 4");
    }

    @Test
    void nativeWeightsReusedOverBlocksGiveTheSameResultAsHeapWeights() {
        Random rng = new Random(54);
        LayerWeights w = randomLayer(rng);
        int[] positions = ModelForward.positions(ROWS, SEQ_LEN);
        try (NativeLayerWeights nw = NativeLayerWeights.copyOf(w, SHAPE)) {
            for (int block = 0; block < 2; block++) {
                float[] h = RandomBlocks.gaussian(rng, ROWS * SHAPE.hidden(), 1);
                float[] viaHeap = h.clone();
                layer().forward(viaHeap, positions, SEQ_LEN, w, CaptureSwitches.NONE);
                layer().forward(h, positions, SEQ_LEN, nw, CaptureSwitches.NONE);
                assertThat(h).as("block %d: weights copied once and reused", block).containsExactly(viaHeap);
            }
        }
    }

    @Test
    void projectionsComeBackAsTheyWentInAndCanBeReplacedOneAtATime() {
        Random rng = new Random(56);
        LayerWeights w = randomLayer(rng);
        LayerWeights other = randomLayer(rng);
        java.util.Map<String, float[]> otherProjections = java.util.Map.of("q_proj", other.wq(), "k_proj", other.wk(),
                "v_proj", other.wv(), "o_proj", other.wo(), "gate_proj", other.wGate(), "up_proj", other.wUp(),
                "down_proj", other.wDown());
        LayerWeights mixed = new LayerWeights(w.inputNorm(), other.wq(), w.bq(), other.wk(), w.bk(), other.wv(),
                w.bv(), other.wo(), w.postAttentionNorm(), other.wGate(), other.wUp(), other.wDown());
        int[] positions = ModelForward.positions(ROWS, SEQ_LEN);
        NativeLayerWeights nw = NativeLayerWeights.copyOf(w, SHAPE);
        assertThat(nw.projection("down_proj")).as("a heap copy of the native down_proj").containsExactly(w.wDown());
        assertThat(nw.projection("k_proj")).containsExactly(w.wk());
        nw.close(); // the twin needs only the norms and biases
        java.util.List<String> asked = new java.util.ArrayList<>();
        try (NativeLayerWeights twin = nw.withProjections(name -> {
            asked.add(name);
            return otherProjections.get(name);
        })) {
            assertThat(asked).as("each projection asked for once, in order").isEqualTo(NativeLayerWeights.PROJECTIONS);
            float[] h = RandomBlocks.gaussian(rng, ROWS * SHAPE.hidden(), 1);
            float[] viaHeap = h.clone();
            layer().forward(viaHeap, positions, SEQ_LEN, mixed, CaptureSwitches.NONE);
            layer().forward(h, positions, SEQ_LEN, twin, CaptureSwitches.NONE);
            assertThat(h).as("the twin runs the other projections with the first layer's norms and biases")
                    .containsExactly(viaHeap);
        }
    }
}
