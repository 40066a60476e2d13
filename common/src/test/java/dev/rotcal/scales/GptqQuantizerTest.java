package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * GptqQuantizer: a hand-computed 3-column case, H = I equals round-to-nearest, the blocked kernel against a
 * plain column-by-column reference, and the property (layer-output error ≤ RTN's).
 */
class GptqQuantizerTest {
    private static final IntScheme PER_CHANNEL = IntScheme.perRow(4, true, 1f).forWeights();

    private static IntScheme perGroup(int g) {
        return IntScheme.perGroup(4, true, g, 1f).forWeights();
    }

    @Test
    void handComputedErrorFeedback() {
        // s = 1.4 / 7 = 0.2. Column 0: 0.25 / 0.2 = 1.25 → 1, error 0.05. Damped H = [[1.01, .505], [.505, 1.01]]
        // (+ 1.01 for column 2, uncorrelated): w1 −= 0.05 · H⁻¹01 / H⁻¹00 = 0.05 · (−.505 / 1.01) = −0.025, so
        // w1 = 0.525 → 2.625 → 3 where RTN rounds 0.5 / 0.2 = 2.5 to even → 2. Column 2 gets no update.
        float[] w = {0.25f, 0.5f, 1.4f}; // (1, 3)
        float[] h = {1, 0.505f, 0, 0.505f, 1, 0, 0, 0, 1}; // (3, 3)
        GptqResult result = GptqQuantizer.quantize(w, 1, 3, h, PER_CHANNEL);
        assertThat(result.scales().scales()).as("per-channel scale max|w| / 7").containsExactly(1.4f / 7f);
        assertThat(result.codes()).as("GPTQ codes by hand").containsExactly((byte) 1, (byte) 3, (byte) 7);
        float s = 1.4f / 7f;
        assertThat(result.dequantized()).as("Ŵ = code · s").containsExactly(s, 3 * s, 7 * s);

        byte[] rtn = new byte[3];
        IntQuantizer.quantize(w, rtn, 1, 3, PER_CHANNEL, IntScales.compute(w, 1, 3, PER_CHANNEL));
        assertThat(rtn).as("RTN rounds the tie 2.5 to even").containsExactly((byte) 1, (byte) 2, (byte) 7);
    }

    @Test
    void identityHessianEqualsRoundToNearest() {
        Random rng = new Random(31);
        int out = 6;
        int in = 16;
        float[] w = gaussian(rng, out * in);
        float[] identity = new float[in * in];
        for (int j = 0; j < in; j++) {
            identity[j * in + j] = 1;
        }
        for (IntScheme scheme : new IntScheme[] {PER_CHANNEL, perGroup(4)}) {
            GptqResult gptq = GptqQuantizer.quantize(w, out, in, identity, scheme);
            IntScales scales = IntScales.compute(w, out, in, scheme);
            byte[] rtn = new byte[out * in];
            IntQuantizer.quantize(w, rtn, out, in, scheme, scales);
            assertThat(gptq.scales().scales()).as("%s: same scales as RTN", scheme.granularity())
                    .containsExactly(scales.scales());
            assertThat(gptq.codes()).as("%s: no error to spread, so RTN's codes", scheme.granularity())
                    .containsExactly(rtn);
        }
    }

    @Test
    void withTheClipSearchAnIdentityHessianEqualsTheClipSearchedRoundToNearest() {
        Random rng = new Random(37);
        int out = 8;
        int in = 64;
        float[] w = gaussian(rng, out * in);
        w[5] = 4f; // an outlier: its row's best shrink is < 1
        float[] identity = new float[in * in];
        for (int j = 0; j < in; j++) {
            identity[j * in + j] = 1;
        }
        for (IntScheme scheme : new IntScheme[] {PER_CHANNEL, perGroup(16)}) {
            GptqResult gptq = GptqQuantizer.quantize(w, out, in, identity, scheme, true);
            WeightClipResult rtn = WeightClipSearch.search(w, out, in, scheme);
            assertThat(gptq.scales().scales()).as("%s: the clip search's scales", scheme.granularity())
                    .containsExactly(rtn.scales().scales());
            assertThat(withoutNegativeZero(gptq.dequantized())).as("%s: no error to spread, so its weights",
                    scheme.granularity()).containsExactly(withoutNegativeZero(rtn.quantized()));
            assertThat(gptq.scales().scales()).as("%s: some scale is below the max's", scheme.granularity())
                    .isNotEqualTo(GptqQuantizer.quantize(w, out, in, identity, scheme).scales().scales());
        }
    }

    /** -0.0 as 0.0 (code 0 times a scale vs a rounded negative weight). */
    private static float[] withoutNegativeZero(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + 0f;
        }
        return out;
    }

    @Test
    void codesInRangeAndDequantizedIsCodeTimesScale() {
        Random rng = new Random(32);
        int out = 16;
        int in = 192;
        float[] w = gaussian(rng, out * in);
        float[] h = new HessianAccumulator(in).add(correlatedRows(rng, 600, in), 600).hessian();
        for (IntScheme scheme : new IntScheme[] {PER_CHANNEL, perGroup(64), perGroup(32).withClipRatio(0.9f)}) {
            GptqResult result = GptqQuantizer.quantize(w, out, in, h, scheme);
            int groups = scheme.scaleCount(out, in) / out;
            float[] s = result.scales().scales();
            for (int k = 0; k < w.length; k++) {
                int r = k / in;
                int c = k % in;
                assertThat((int) result.codes()[k]).as("code at (%d, %d)", r, c).isBetween(-8, 7);
                float scale = s[r * groups + c / (in / groups)];
                assertThat(result.dequantized()[k]).as("%s: Ŵ(%d, %d) = code · scale", scheme, r, c)
                        .isEqualTo(result.codes()[k] * scale);
            }
            assertThat(result.scales().zeroPoints()).as("symmetric").containsOnly(0);
        }
    }

    @Test
    void blockedKernelMatchesPlainColumnByColumnReference() {
        Random rng = new Random(33);
        // per channel on 300 columns (blocks of 128, 128, 44), also with 300 rows (lazy updates in row chunks
        // of 256 and 44); groups of 128 on 256 columns start at block starts, where gptq.py's W is fully
        // updated, so the unblocked reference reads the same weights
        Object[][] cases = {{PER_CHANNEL, 12, 300}, {PER_CHANNEL, 300, 300}, {perGroup(128), 12, 256}};
        for (Object[] c : cases) {
            IntScheme scheme = (IntScheme) c[0];
            int out = (Integer) c[1];
            int in = (Integer) c[2];
            float[] w = gaussian(rng, out * in);
            float[] h = new HessianAccumulator(in).add(correlatedRows(rng, 1200, in), 1200).hessian();
            float[] blocked = GptqQuantizer.quantize(w, out, in, h, scheme).dequantized();
            float[] reference = referenceGptq(w, out, in, h, scheme);
            int same = 0;
            for (int k = 0; k < w.length; k++) {
                if (blocked[k] == reference[k]) {
                    same++;
                }
            }
            // 0 elements differ today; allow 0.1 % for BLAS-dependent rounding ties
            assertThat(same).as("%s on (%d, %d): blocked GPTQ equals the unblocked reference",
                    scheme.granularity(), out, in).isGreaterThanOrEqualTo(w.length - w.length / 1000);
        }
    }

    @Test
    void layerOutputErrorNoWorseThanRoundToNearest() {
        Random rng = new Random(34);
        int out = 64;
        int in = 256;
        int n = 4096;
        float[] w = gaussian(rng, out * in);
        float[] x = correlatedRows(rng, n, in);
        float[] h = new HessianAccumulator(in).add(x, n).hessian();
        for (IntScheme scheme : new IntScheme[] {PER_CHANNEL, perGroup(128), perGroup(64)}) {
            float[] rtn = new float[w.length];
            IntQuantizer.fakeQuant(w, rtn, out, in, scheme);
            float[] gptq = GptqQuantizer.quantize(w, out, in, h, scheme).dequantized();
            double rtnError = outputError(x, n, in, w, rtn, out);
            double gptqError = outputError(x, n, in, w, gptq, out);
            float[] clipped = GptqQuantizer.quantize(w, out, in, h, scheme, true).dequantized();
            double clippedError = outputError(x, n, in, w, clipped, out);
            System.out.printf("GPTQ with w_clip (%s, g=%d): %.4e%n", scheme.granularity(), scheme.groupSize(),
                    clippedError);
            assertThat(clippedError).as("%s g=%d: GPTQ with the clip search <= RTN", scheme.granularity(),
                    scheme.groupSize()).isLessThanOrEqualTo(rtnError);
            System.out.printf("GPTQ vs RTN (%s, g=%d): ||X(W - Wq)^T||^2 / ||XW^T||^2 = %.4e vs %.4e "
                    + "(ratio %.3f)%n",
                    scheme.granularity(), scheme.groupSize(), gptqError, rtnError, gptqError / rtnError);
            assertThat(gptqError).as("%s g=%d: GPTQ's layer-output error <= RTN's", scheme.granularity(),
                    scheme.groupSize()).isLessThanOrEqualTo(rtnError);
        }
    }

    @Test
    void rtnsPerChannelClipSearchStandsInForGptqsOwn() {
        Random rng = new Random(37);
        int out = 24;
        int in = 256;
        float[] w = gaussian(rng, out * in);
        float[] h = new HessianAccumulator(in).add(correlatedRows(rng, 1024, in), 1024).hessian();
        float[] rtnScales = WeightClipSearch.search(w, out, in, PER_CHANNEL).scales().scales();
        GptqResult searched = GptqQuantizer.quantize(w, out, in, h, PER_CHANNEL, true);
        GptqResult reused = GptqQuantizer.quantize(w, out, in, h, PER_CHANNEL, true, rtnScales);
        assertThat(reused.scales().scales()).as("the same scales").isEqualTo(searched.scales().scales());
        assertThat(reused.codes()).as("the same codes").isEqualTo(searched.codes());
        assertThat(reused.dequantized()).as("the same weights").isEqualTo(searched.dequantized());
    }

    @Test
    void actOrderQuantizesTheMostActiveColumnsFirstAndPutsTheCodesBack() {
        Random rng = new Random(38);
        int out = 10;
        int in = 160;
        float[] w = gaussian(rng, out * in);
        float[] h = new HessianAccumulator(in).add(correlatedRows(rng, 800, in), 800).hessian();
        // the order by hand: decreasing diag H
        Integer[] order = new Integer[in];
        for (int j = 0; j < in; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(h[b * in + b], h[a * in + a]));
        assertThat(java.util.Arrays.asList(order)).as("not the identity").isNotEqualTo(
                java.util.stream.IntStream.range(0, in).boxed().toList());
        float[] wp = new float[w.length];
        float[] hp = new float[h.length];
        for (int i = 0; i < in; i++) {
            for (int r = 0; r < out; r++) {
                wp[r * in + i] = w[r * in + order[i]];
            }
            for (int j = 0; j < in; j++) {
                hp[i * in + j] = h[order[i] * in + order[j]];
            }
        }
        GptqResult byHand = GptqQuantizer.quantize(wp, out, in, hp, PER_CHANNEL);
        GptqResult actOrder = GptqQuantizer.quantize(w, out, in, h, PER_CHANNEL, false, true, null);
        for (int r = 0; r < out; r++) {
            for (int i = 0; i < in; i++) {
                assertThat(actOrder.codes()[r * in + order[i]]).as("code (%d, %d)", r, order[i])
                        .isEqualTo(byHand.codes()[r * in + i]);
            }
        }
        assertThat(actOrder.scales().scales()).as("per-channel scales do not depend on the column order")
                .isEqualTo(GptqQuantizer.quantize(w, out, in, h, PER_CHANNEL).scales().scales());
        assertThat(actOrder.codes()).as("a different order spreads the errors differently")
                .isNotEqualTo(GptqQuantizer.quantize(w, out, in, h, PER_CHANNEL).codes());
        assertThatThrownBy(() -> GptqQuantizer.quantize(w, out, in, h, perGroup(32), false, true, null))
                .hasMessageStartingWith("Cannot run GPTQ with act-order and scheme");
    }

    @Test
    void deadColumnsAreZeroed() {
        Random rng = new Random(35);
        int out = 5;
        int in = 8;
        int n = 64;
        float[] x = correlatedRows(rng, n, in);
        for (int t = 0; t < n; t++) {
            x[t * in + 3] = 0f; // input channel 3 never fires
        }
        float[] h = new HessianAccumulator(in).add(x, n).hessian();
        GptqResult result = GptqQuantizer.quantize(gaussian(rng, out * in), out, in, h, PER_CHANNEL);
        assertThat(result.deadColumns()).as("one dead column").isEqualTo(1);
        for (int r = 0; r < out; r++) {
            assertThat(result.dequantized()[r * in + 3]).as("row %d, dead column 3", r).isZero();
            assertThat(result.codes()[r * in + 3]).as("row %d, dead column 3 code", r).isZero();
        }
    }

    @Test
    void rejectsBadSettings() {
        float[] h = new float[16];
        assertThatThrownBy(() -> GptqQuantizer.quantize(new float[8], 2, 4, h, IntScheme.perRow(4, false, 1f)))
                .as("asymmetric").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot run GPTQ with scheme");
        assertThatThrownBy(() -> GptqQuantizer.quantize(new float[8], 2, 4, h, perGroup(3)))
                .as("group 3 does not divide 4").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot run GPTQ with group size 3");
        assertThatThrownBy(() -> GptqQuantizer.quantize(new float[8], 2, 4, new float[9], PER_CHANNEL))
                .as("Hessian shape").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot run GPTQ with a Hessian of 9 values");
    }

    @Test
    void upperFactorOfTheDampedInverse() {
        Random rng = new Random(36);
        int in = 20;
        float[] h = new HessianAccumulator(in).add(correlatedRows(rng, 200, in), 200).hessian();
        double[] u;
        try (InverseHessianFactor factor = InverseHessianFactor.of(h, in, new boolean[in], GptqQuantizer.DAMPING)) {
            u = factor.upper();
        }
        double mean = 0;
        for (int j = 0; j < in; j++) {
            mean += (double) h[j * in + j] / in;
        }
        double[] damped = new double[h.length]; // damping 0.01 · mean(diag H)
        for (int k = 0; k < h.length; k++) {
            damped[k] = h[k];
        }
        for (int j = 0; j < in; j++) {
            damped[j * in + j] += 0.01 * mean;
        }
        // (UᵀU)·H_damped = I, reading only U's upper triangle
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < in; j++) {
                double v = 0;
                for (int k = 0; k < in; k++) {
                    double inv = 0; // (UᵀU)[i, k]
                    for (int m = 0; m <= Math.min(i, k); m++) {
                        inv += u[m * in + i] * u[m * in + k];
                    }
                    v += inv * damped[k * in + j];
                }
                // U in float32, as gptq.py's: the identity to float rounding times H's conditioning
                assertThat(v).as("(UᵀU·H)[%d, %d]", i, j).isCloseTo(i == j ? 1 : 0, within(1e-5));
            }
        }
    }

    /**
     * gptq.py without lazy batches or blocks: every column's error updates all later columns at once; a
     * group's scales come from the fully updated weights when its first column comes up.
     */
    private static float[] referenceGptq(float[] w, int out, int in, float[] h, IntScheme scheme) {
        boolean[] dead = new boolean[in];
        for (int j = 0; j < in; j++) {
            dead[j] = h[j * in + j] == 0;
        }
        double[] u;
        try (InverseHessianFactor factor = InverseHessianFactor.of(h, in, dead, GptqQuantizer.DAMPING)) {
            u = factor.upper();
        }
        int g = scheme.groupSize() > 0 ? scheme.groupSize() : in;
        double[] wd = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            wd[k] = w[k];
        }
        float[] s = new float[out];
        float[] q = new float[w.length];
        for (int c = 0; c < in; c++) {
            if (c % g == 0) {
                float[] group = new float[out * g]; // (out, g) current weights of the group
                for (int r = 0; r < out; r++) {
                    for (int j = 0; j < g; j++) {
                        group[r * g + j] = (float) wd[r * in + c + j];
                    }
                }
                s = IntScales.compute(group, out, g, PER_CHANNEL.withClipRatio(scheme.clipRatio())).scales();
            }
            for (int r = 0; r < out; r++) {
                float code = Math.min(Math.max((float) Math.rint((float) wd[r * in + c] / s[r]), -8f), 7f);
                q[r * in + c] = code * s[r];
                double e = (wd[r * in + c] - q[r * in + c]) / u[c * in + c];
                for (int j = c + 1; j < in; j++) {
                    wd[r * in + j] -= e * u[c * in + j];
                }
            }
        }
        return q;
    }

    /** ‖X·Wᵀ − X·Ŵᵀ‖² / ‖X·Wᵀ‖², in double. */
    private static double outputError(float[] x, int n, int in, float[] w, float[] wq, int out) {
        double err = 0;
        double norm = 0;
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < out; r++) {
                double y = 0;
                double d = 0;
                for (int c = 0; c < in; c++) {
                    y += (double) x[t * in + c] * w[r * in + c];
                    d += (double) x[t * in + c] * ((double) w[r * in + c] - wq[r * in + c]);
                }
                err += d * d;
                norm += y * y;
            }
        }
        return err / norm;
    }

    private static float[] gaussian(Random rng, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }

    /** Rows of an AR(1) process along the channels (ρ = 0.9) with per-channel magnitudes 0.5 … 2. */
    private static float[] correlatedRows(Random rng, int n, int in) {
        double[] magnitude = new double[in];
        for (int c = 0; c < in; c++) {
            magnitude[c] = 0.5 + 1.5 * rng.nextDouble();
        }
        float[] x = new float[n * in]; // (n, in) row-major
        for (int t = 0; t < n; t++) {
            double prev = rng.nextGaussian();
            for (int c = 0; c < in; c++) {
                prev = 0.9 * prev + Math.sqrt(1 - 0.81) * rng.nextGaussian();
                x[t * in + c] = (float) (magnitude[c] * prev);
            }
        }
        return x;
    }
}
