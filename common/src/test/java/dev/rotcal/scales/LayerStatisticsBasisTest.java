package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.model.rotate.ModelRotation;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The inputs {@link LayerStatistics} measures are in the basis of the weights the scales stage quantizes: the
 * layer rotated by {@link ModelRotation#rotateLayer} (R1 = I here, R2 and R4 folded) applied to the statistics'
 * o_proj_in and down_proj_in rows gives the float layer's o_proj and down_proj outputs; V under the statistics'
 * R2 is the rotated v_proj's output; and the K and V sweeps are those of rows rotated by ModelRotation's own
 * R3 / R2 specs. A mismatch would make GPTQ minimize the error against a Hessian of the wrong basis.
 */
class LayerStatisticsBasisTest {
    /** hidden 32, intermediate 48 = 12·4 (a Paley factor in R4), 4 heads and 2 KV heads of 8. */
    private static final DecoderShape SHAPE = new DecoderShape(32, 48, 4, 2, 8, 1e-6);
    private static final int SEQ_LEN = 12;
    private static final int ROWS = 2 * SEQ_LEN;

    @Test
    void theStatisticsInputsTimesTheRotatedWeightsGiveTheFloatLayersOutputs() {
        Random random = new Random(21);
        LayerWeights w = randomLayer(random);
        float[] hidden = LayerStatisticsTest.gaussian(random, ROWS * SHAPE.hidden(), 1f);
        LayerCaptures c = new DecoderLayer(SHAPE, RotaryEmbedding.standard(SHAPE.headDim(), 10000))
                .forward(hidden, ModelForward.positions(ROWS, SEQ_LEN), SEQ_LEN, w, CaptureSwitches.ALL);
        LayerStatistics stats = new LayerStatistics(0, SHAPE, new LayerStatistics.Options(4, 4, false, ROWS))
                .addBlock(c, ROWS, 0);
        double[] identity = new double[SHAPE.hidden() * SHAPE.hidden()];
        for (int i = 0; i < SHAPE.hidden(); i++) {
            identity[i * SHAPE.hidden() + i] = 1;
        }
        LayerWeights rotated = ModelRotation.rotateLayer(w, identity, SHAPE, true, true);

        // o_proj: (attn · R2) · (Wo · R2)ᵀ = attn · Woᵀ
        assertClose(times(stats.input(LinearInput.O_PROJ_IN).sample(), rotated.wo(), SHAPE.qWidth(), null),
                times(c.attentionOutput(), w.wo(), SHAPE.qWidth(), null), "o_proj output from o_proj_in");
        // down_proj: (h · R4) · (Wdown · R4)ᵀ = h · Wdownᵀ
        assertClose(times(stats.input(LinearInput.DOWN_PROJ_IN).sample(), rotated.wDown(), SHAPE.intermediate(),
                null), times(c.downProjInput(), w.wDown(), SHAPE.intermediate(), null),
                "down_proj output from down_proj_in");

        // V: the rotated v_proj (gain folded, R2 on its output) on the gain-free norm output is V · R2 per head
        float[] v = c.values().clone();
        ModelRotation.r2(SHAPE).apply(v, ROWS * SHAPE.nKvHeads());
        assertClose(times(stats.input(LinearInput.ATTN_IN).sample(), rotated.wv(), SHAPE.hidden(), rotated.bv()), v,
                "rotated v_proj output vs captured V · R2");

        // K and V sweeps are those of the rows rotated by ModelRotation's R3 and R2 specs
        float[] k = c.keys().clone();
        ModelRotation.r3(SHAPE).apply(k, ROWS * SHAPE.nKvHeads());
        var kv = KvCacheScales.scheme(4, SHAPE.headDim());
        assertThat(stats.kvSweeps().key().errors()).as("K sweep under ModelRotation.r3")
                .isEqualTo(ClipRatioSweep.sweep(k, ROWS, SHAPE.kvWidth(), kv).errors());
        assertThat(stats.kvSweeps().value().errors()).as("V sweep under ModelRotation.r2")
                .isEqualTo(ClipRatioSweep.sweep(v, ROWS, SHAPE.kvWidth(), kv).errors());
    }

    /** (ROWS, in) · (out, in)ᵀ + bias, in double. */
    private static double[] times(float[] x, float[] weight, int in, float[] bias) {
        int out = weight.length / in;
        double[] y = new double[ROWS * out];
        for (int i = 0; i < ROWS; i++) {
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int j = 0; j < in; j++) {
                    s += (double) x[i * in + j] * weight[o * in + j];
                }
                y[i * out + o] = s;
            }
        }
        return y;
    }

    private static void assertClose(double[] actual, double[] expected, String what) {
        LayerStatisticsTest.assertRelativelyClose(actual, expected, 1e-5, what);
    }

    private static void assertClose(double[] actual, float[] expected, String what) {
        LayerStatisticsTest.assertRelativelyClose(actual, LayerStatisticsTest.toDouble(expected), 1e-5, what);
    }

    private static LayerWeights randomLayer(Random random) {
        int d = SHAPE.hidden();
        int qw = SHAPE.qWidth();
        int kw = SHAPE.kvWidth();
        int ff = SHAPE.intermediate();
        float std = (float) (1 / Math.sqrt(d));
        return new LayerWeights(gain(random, d),
                LayerStatisticsTest.gaussian(random, qw * d, std), null,
                LayerStatisticsTest.gaussian(random, kw * d, std), null,
                LayerStatisticsTest.gaussian(random, kw * d, std), LayerStatisticsTest.gaussian(random, kw, 0.1f),
                LayerStatisticsTest.gaussian(random, d * qw, (float) (1 / Math.sqrt(qw))), gain(random, d),
                LayerStatisticsTest.gaussian(random, ff * d, std), LayerStatisticsTest.gaussian(random, ff * d, std),
                LayerStatisticsTest.gaussian(random, d * ff, (float) (1 / Math.sqrt(ff))));
    }

    private static float[] gain(Random random, int d) {
        float[] g = new float[d];
        for (int i = 0; i < d; i++) {
            g[i] = (float) (1 + 0.3 * random.nextGaussian());
        }
        return g;
    }
}
