package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The BLAS layer-output searches against the plain loops (LlmFp4SearchReference, the original implementation):
 * LLM-FP4's search must choose the same format, weight biases, activation bias and shifts bit for bit, with
 * errors equal to 1e-9 relative (only the order of the double additions differs); HQ-DiT's choice and the
 * static clip sweep must choose the same with the same errors. On the distributions of the existing tests and
 * on odd shapes, including a wide one that takes several blocks of weight rows.
 */
class LlmFp4SearchEquivalenceTest {
    /** Relative tolerance of the error sums: summation order only. */
    private static final double ERROR_TOLERANCE = 1e-9;

    @Test
    void theSearchTestDistributionsGiveTheSameChoices() {
        Random rnd = new Random(41);
        int n = 24;
        int in = 32;
        int out = 8;
        float[] heavy = WeightClipSearchEquivalenceTest.studentT(rnd, n, in, 3);
        float[] outliers = WeightClipSearchTest.randomWithOutliers(rnd, n, in);
        float[] w = WeightClipSearchEquivalenceTest.gaussian(rnd, out, in);
        assertSameSearch("student-t(3) rows, 12 steps, 2 rounds", w, out, in, heavy, n, 12, 2);
        assertSameSearch("rows with outliers, 12 steps, 2 rounds", w, out, in, outliers, n, 12, 2);
        float[] spread = WeightClipSearchEquivalenceTest.gaussian(rnd, 16, in);
        for (int i = 0; i < spread.length; i++) {
            spread[i] *= 1 << (i % in % 5); // channel ranges spread over 16×: shifts ρ up to 4
        }
        assertSameSearch("spread channels, 6 steps, 1 round", w, out, in, spread, 16, 6, 1);
        assertSameSearch("hand case", new float[] {1f, -2f, 0.5f, 0.125f}, 2, 2,
                new float[] {4f, 1f, 0.25f, -0.5f}, 2, 10, 3);
    }

    @Test
    void oddShapesHeavyTailsAndTiesGiveTheSameChoices() {
        Random rnd = new Random(71);
        // nothing a multiple of anything: 37 outputs, 173 inputs, 19 rows
        assertSameSearch("student-t(2) 37×173, n 19", WeightClipSearchEquivalenceTest.studentT(rnd, 37, 173, 2),
                37, 173, WeightClipSearchEquivalenceTest.studentT(rnd, 19, 173, 2), 19, 20, 3);
        // small integers: many exact products and exactly equal errors (the strict-improvement tie rule)
        assertSameSearch("coarse integers 29×61, n 11", WeightClipSearchEquivalenceTest.coarse(rnd, 29, 61), 29,
                61, WeightClipSearchEquivalenceTest.coarse(rnd, 11, 61), 11, 15, 3);
        // all-zero weight rows and input channels, and one single row of input
        float[] w = WeightClipSearchTest.randomWithOutliers(rnd, 13, 47);
        float[] x = WeightClipSearchTest.randomWithOutliers(rnd, 1, 47);
        for (int c = 0; c < 47; c++) {
            w[5 * 47 + c] = 0f;
        }
        x[3] = 0f;
        x[30] = 0f;
        assertSameSearch("zero row and zero channels 13×47, n 1", w, 13, 47, x, 1, 9, 2);
    }

    @Test
    void aWideLinearSearchedInSeveralBlocksGivesTheSameChoices() {
        Random rnd = new Random(72);
        int in = 16411; // a block holds LayerOutput.BLOCK_DOUBLES / 16411 = 63 rows: blocks of 63, 63 and 24
        int out = 150;
        assertThat(new LayerOutput(null, 1, out, in).blockRows()).as("rows per block").isEqualTo(63);
        assertSameSearch("student-t(3) 150×16411, n 5", WeightClipSearchEquivalenceTest.studentT(rnd, out, in, 3),
                out, in, WeightClipSearchTest.randomWithOutliers(rnd, 5, in), 5, 4, 2);
    }

    @Test
    void hqDitChoicesMatchThePlainErrors() {
        Random rnd = new Random(51);
        int n = 64;
        int in = 128;
        int out = 32;
        float[] heavyX = WeightClipSearchEquivalenceTest.studentT(rnd, n, in, 2);
        float[] heavyW = WeightClipSearchEquivalenceTest.studentT(rnd, out, in, 2);
        assertSameHqDit("student-t(2)", heavyW, out, in, heavyX, n);
        float[] uniformX = uniform(rnd, n, in);
        float[] uniformW = uniform(rnd, out, in);
        assertSameHqDit("uniform (E1M2 and INT4 within 1.5e-8)", uniformW, out, in, uniformX, n);
        assertSameHqDit("student-t(3) 23×301, n 9", WeightClipSearchEquivalenceTest.studentT(rnd, 23, 301, 3), 23,
                301, WeightClipSearchEquivalenceTest.studentT(rnd, 9, 301, 3), 9);
    }

    @Test
    void staticClipSweepsMatchThePlainErrors() {
        Random rnd = new Random(62);
        assertSameClipSweep("student-t(3) 8×32, n 96", WeightClipSearchEquivalenceTest.studentT(rnd, 96, 32, 3), 96,
                WeightClipSearchEquivalenceTest.gaussian(rnd, 8, 32), 8, 32);
        assertSameClipSweep("outliers 41×77, n 13", WeightClipSearchTest.randomWithOutliers(rnd, 13, 77), 13,
                WeightClipSearchEquivalenceTest.gaussian(rnd, 41, 77), 41, 77);
    }

    @Test
    void outputProductsMatchThePlainLoops() {
        Random rnd = new Random(73);
        int n = 7;
        int in = 16411;
        int out = 130; // three blocks
        float[] x = WeightClipSearchEquivalenceTest.studentT(rnd, n, in, 3);
        float[] w = WeightClipSearchEquivalenceTest.gaussian(rnd, out, in);
        double[] fast = LayerOutput.exact(x, n, w, out, in);
        double[] plain = LlmFp4SearchReference.exact(x, n, w, out, in);
        double[] magnitude = LlmFp4SearchReference.exact(abs(x), n, abs(w), out, in); // Σ_c |x_tc · w_rc|
        for (int i = 0; i < plain.length; i++) {
            // both are double sums of exact products in different orders: apart by at most 2·in·2^−53·Σ|x·w|
            assertThat(fast[i]).as("Y[%d, %d]", i / out, i % out)
                    .isCloseTo(plain[i], within(2.0 * in * 0x1.0p-53 * magnitude[i]));
        }
        float[] xq = WeightClipSearchEquivalenceTest.studentT(rnd, n, in, 3);
        assertThat(LayerOutput.error(xq, n, in, w, out, plain)).as("‖Y − X̂·Wᵀ‖²")
                .isCloseTo(LlmFp4SearchReference.error(xq, n, in, w, out, plain),
                        within(ERROR_TOLERANCE * LlmFp4SearchReference.error(xq, n, in, w, out, plain)));
    }

    private static void assertSameSearch(String what, float[] w, int out, int in, float[] x, int n, int steps,
                                         int rounds) {
        LlmFp4Result fast = LlmFp4Search.search(w, out, in, x, n, steps, rounds, LlmFp4Search.FORMATS);
        LlmFp4Result plain = LlmFp4SearchReference.search(w, out, in, x, n, steps, rounds, LlmFp4Search.FORMATS);
        for (int f = 0; f < plain.outputErrors().length; f++) {
            assertThat(fast.outputErrors()[f]).as("%s: error of %s", what, plain.formatsTried().get(f))
                    .isCloseTo(plain.outputErrors()[f], within(ERROR_TOLERANCE * plain.outputErrors()[f]));
        }
        assertThat(fast.format()).as("%s: format", what).isEqualTo(plain.format());
        assertThat(fast.activationBias()).as("%s: activation bias", what).isEqualTo(plain.activationBias());
        // Arrays.mismatch, not containsExactly: AssertJ's element diff is quadratic on the wide case's 2.4M floats
        assertThat(Arrays.mismatch(fast.weightBiases(), plain.weightBiases()))
                .as("%s: first output channel whose weight bias differs", what).isEqualTo(-1);
        assertThat(Arrays.mismatch(fast.channelActivationBiases(), plain.channelActivationBiases()))
                .as("%s: first input channel whose activation bias differs", what).isEqualTo(-1);
        assertThat(Arrays.mismatch(fast.channelShifts(), plain.channelShifts()))
                .as("%s: first input channel whose ρ differs", what).isEqualTo(-1);
        assertThat(Arrays.mismatch(fast.foldedWeights(), plain.foldedWeights()))
                .as("%s: first folded weight that differs", what).isEqualTo(-1);
    }

    private static void assertSameHqDit(String what, float[] w, int out, int in, float[] x, int n) {
        HqDitResult fast = HqDitChoice.choose(w, out, in, x, n);
        // the plain choice: the same quantizers, errors from the plain loops, first minimum wins
        double[] target = LlmFp4SearchReference.exact(x, n, w, out, in);
        List<HybridFormat> candidates = HqDitChoice.CANDIDATES;
        float[] xq = new float[n * in];
        float[] wq = new float[out * in];
        int winner = 0;
        double[] plain = new double[candidates.size()];
        for (int k = 0; k < plain.length; k++) {
            HqDitChoice.fakeQuantRows(w, wq, out, in, candidates.get(k));
            HqDitChoice.fakeQuantRows(x, xq, n, in, candidates.get(k));
            plain[k] = LlmFp4SearchReference.error(xq, n, in, wq, out, target);
            assertThat(fast.errors()[k]).as("%s: error of %s", what, candidates.get(k))
                    .isCloseTo(plain[k], within(ERROR_TOLERANCE * plain[k]));
            winner = plain[k] < plain[winner] ? k : winner;
        }
        assertThat(fast.winner()).as("%s: winner", what).isEqualTo(candidates.get(winner));
    }

    private static void assertSameClipSweep(String what, float[] x, int n, float[] w, int out, int in) {
        ChannelRangeAccumulator ranges = new ChannelRangeAccumulator(in).add(x, n);
        ClipSweep fast = StaticActivationScales.searchClipRatio(x, n, ranges, w, out, 4);
        double[] target = LlmFp4SearchReference.exact(x, n, w, out, in);
        float[] ratios = ClipRatioSweep.dfrotRatios();
        float[] xq = new float[n * in];
        double[] plain = new double[ratios.length];
        for (int k = 0; k < ratios.length; k++) {
            StaticActivationScales.fakeQuant(x, xq, n, in, StaticActivationScales.steps(ranges, 4, ratios[k]), 4);
            plain[k] = LlmFp4SearchReference.error(xq, n, in, w, out, target);
        }
        ClipSweep reference = new ClipSweep(ratios, plain);
        for (int k = 0; k < ratios.length; k++) {
            assertThat(fast.errors()[k]).as("%s: error at clip %s", what, ratios[k])
                    .isCloseTo(plain[k], within(ERROR_TOLERANCE * plain[k]));
        }
        assertThat(fast.bestRatio()).as("%s: chosen clip", what).isEqualTo(reference.bestRatio());
    }

    private static float[] abs(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]);
        }
        return b;
    }

    private static float[] uniform(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return x;
    }
}
