package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Where and in which order DecoderLayer calls its hooks, and that their in-place changes are what runs on. */
class LayerHooksTest {
    private static final DecoderShape SHAPE = new DecoderShape(24, 40, 4, 2, 12, 1e-6);
    private static final int SEQ_LEN = 5;
    private static final int ROWS = 3 * SEQ_LEN;

    static LayerWeights randomLayer(Random rng, DecoderShape shape) {
        int d = shape.hidden();
        int qw = shape.qWidth();
        int kw = shape.kvWidth();
        int ff = shape.intermediate();
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

    /** Keeps a copy of every array each hook sees, by site, in call order; changes nothing. */
    private static final class Recorder implements LayerHooks {
        final Map<String, float[]> seen = new LinkedHashMap<>();
        final Map<String, Integer> rows = new LinkedHashMap<>();

        private void keep(String site, float[] x, int n) {
            seen.put(site, x.clone());
            rows.put(site, n);
        }

        @Override
        public void attentionInput(float[] x, int n) {
            keep("attentionInput", x, n);
        }

        @Override
        public void queriesKeys(float[] q, float[] k, int n) {
            keep("queries", q, n);
            keep("keysAfterRope", k, n);
        }

        @Override
        public void keysValues(float[] k, float[] v, int n) {
            keep("keys", k, n);
            keep("values", v, n);
        }

        @Override
        public void oProjInput(float[] a, int n) {
            keep("oProjInput", a, n);
        }

        @Override
        public void mlpInput(float[] x, int n) {
            keep("mlpInput", x, n);
        }

        @Override
        public void downProjInput(float[] a, int n) {
            keep("downProjInput", a, n);
        }
    }

    @Test
    void everyHookSeesItsDocumentedArrayInOrder() {
        Random rng = new Random(71);
        LayerWeights w = randomLayer(rng, SHAPE);
        float[] h0 = RandomBlocks.gaussian(rng, ROWS * SHAPE.hidden(), 1);
        int[] positions = ModelForward.positions(ROWS, SEQ_LEN);

        float[] plain = h0.clone();
        LayerCaptures captures = layer().forward(plain, positions, SEQ_LEN, w, CaptureSwitches.ALL);
        float[] hooked = h0.clone();
        Recorder recorder = new Recorder();
        layer().forward(hooked, positions, SEQ_LEN, w, CaptureSwitches.NONE, recorder);

        assertThat(recorder.seen.keySet()).as("call order inside the layer").containsExactly("attentionInput",
                "queries", "keysAfterRope", "keys", "values", "oProjInput", "mlpInput", "downProjInput");
        assertThat(recorder.rows.values()).as("every hook gets the block's row count").containsOnly(ROWS);
        assertThat(hooked).as("a hook that changes nothing changes nothing").containsExactly(plain);

        assertThat(recorder.seen.get("attentionInput")).as("q/k/v input = input_layernorm with its gain")
                .containsExactly(RmsNorm.normalizeWithGain(h0, ROWS, w.inputNorm(), SHAPE.rmsNormEps()));
        float[] mlpIn = captures.mlpInput().clone();
        RmsNorm.applyGain(mlpIn, ROWS, w.postAttentionNorm());
        assertThat(recorder.seen.get("mlpInput")).as("gate/up input = post_attention_layernorm with its gain")
                .containsExactly(mlpIn);
        assertThat(recorder.seen.get("queries")).as("queries (rows, nHeads·hd)").hasSize(ROWS * SHAPE.qWidth());
        assertThat(recorder.seen.get("keysAfterRope")).as("keys after RoPE are what the KV hook sees")
                .containsExactly(captures.keys());
        assertThat(recorder.seen.get("keys")).as("captured keys (after RoPE)").containsExactly(captures.keys());
        assertThat(recorder.seen.get("values")).as("captured values").containsExactly(captures.values());
        assertThat(recorder.seen.get("oProjInput")).as("attention output before o_proj")
                .containsExactly(captures.attentionOutput());
        assertThat(recorder.seen.get("downProjInput")).as("silu(gate)·up before down_proj")
                .containsExactly(captures.downProjInput());
    }

    @Test
    void changesMadeInPlaceAreWhatTheLayerRunsOn() {
        Random rng = new Random(72);
        LayerWeights w = randomLayer(rng, SHAPE);
        float[] h0 = RandomBlocks.gaussian(rng, ROWS * SHAPE.hidden(), 1);
        float[] h = h0.clone();
        LayerHooks silence = new LayerHooks() {
            @Override
            public void oProjInput(float[] a, int rows) {
                java.util.Arrays.fill(a, 0f);
            }

            @Override
            public void downProjInput(float[] a, int rows) {
                java.util.Arrays.fill(a, 0f);
            }
        };
        layer().forward(h, ModelForward.positions(ROWS, SEQ_LEN), SEQ_LEN, w, CaptureSwitches.NONE, silence);
        assertThat(h).as("zero o_proj and down_proj inputs (no biases there) leave the residual unchanged")
                .containsExactly(h0);
    }

    @Test
    void composedHooksRunFirstThenNextAtEverySite() {
        List<String> calls = new ArrayList<>();
        LayerHooks first = named("rotate", calls);
        LayerHooks second = named("quantize", calls);
        Random rng = new Random(73);
        LayerWeights w = randomLayer(rng, SHAPE);
        float[] h = RandomBlocks.gaussian(rng, ROWS * SHAPE.hidden(), 1);
        layer().forward(h, ModelForward.positions(ROWS, SEQ_LEN), SEQ_LEN, w, CaptureSwitches.NONE,
                first.then(second));
        assertThat(calls).containsExactly("rotate:attn", "quantize:attn", "rotate:qk", "quantize:qk",
                "rotate:kv", "quantize:kv", "rotate:o", "quantize:o", "rotate:mlp", "quantize:mlp",
                "rotate:down", "quantize:down");
        assertThat(LayerHooks.NONE.then(first)).as("NONE is the identity of then").isSameAs(first);
        assertThat(first.then(LayerHooks.NONE)).isSameAs(first);
    }

    private static LayerHooks named(String name, List<String> calls) {
        return new LayerHooks() {
            @Override
            public void attentionInput(float[] x, int rows) {
                calls.add(name + ":attn");
            }

            @Override
            public void queriesKeys(float[] q, float[] k, int rows) {
                calls.add(name + ":qk");
            }

            @Override
            public void keysValues(float[] k, float[] v, int rows) {
                calls.add(name + ":kv");
            }

            @Override
            public void oProjInput(float[] a, int rows) {
                calls.add(name + ":o");
            }

            @Override
            public void mlpInput(float[] x, int rows) {
                calls.add(name + ":mlp");
            }

            @Override
            public void downProjInput(float[] a, int rows) {
                calls.add(name + ":down");
            }
        };
    }
}
