package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.quant.IntScheme;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast weight clip search against the plain reference (the original implementation, test scope): the
 * chosen ratios, scales, quantized weights and both error sums must be bit-identical, per output channel and
 * per group of 128, on Gaussian, heavy-tailed and near-tie (coarse-valued) matrices.
 */
class WeightClipSearchEquivalenceTest {

    @Test
    void tableOfPowerTwoPointFourIsWithinTwoPartsPerBillion() {
        Random rnd = new Random(1);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float a = (float) Math.exp(rnd.nextDouble() * 60 - 40); // 4e-18 … 1e9
            double exact = Math.pow(a, 2.4);
            worst = Math.max(worst, Math.abs(WeightClipSearch.approxPow24(a) - exact) / exact);
        }
        assertThat(WeightClipSearch.approxPow24(0f)).isZero();
        assertThat(WeightClipSearch.approxPow24(1f)).as("1^2.4 is exact from the tables").isEqualTo(1.0);
        assertThat(WeightClipSearch.approxPow24(1e-40f)).as("float subnormals go to Math.pow")
                .isEqualTo(Math.pow(1e-40f, 2.4));
        assertThat(worst).as("relative error of the table |Δ|^2.4, far inside the search's 1e-6 bound")
                .isLessThan(2e-9);
    }

    @Test
    void gaussianAndHeavyTailedMatricesGiveIdenticalResults() {
        Random rnd = new Random(42);
        int out = 64;
        int in = 512;
        float[][] matrices = {gaussian(rnd, out, in), WeightClipSearchTest.randomWithOutliers(rnd, out, in),
                studentT(rnd, out, in, 3), coarse(rnd, out, in)};
        String[] names = {"gaussian", "outliers ×12", "student-t(3)", "coarse (ties)"};
        IntScheme[] schemes = {IntScheme.perRow(4, true, 1f), IntScheme.perGroup(4, true, 128, 1f),
                IntScheme.perRow(3, true, 1f), IntScheme.perGroup(8, true, 128, 1f)};
        for (int m = 0; m < matrices.length; m++) {
            for (IntScheme scheme : schemes) {
                assertIdentical(names[m] + " " + scheme, matrices[m], out, in, scheme);
            }
        }
    }

    @Test
    void wideRowsOfAModelSizedLinearGiveIdenticalResults() {
        Random rnd = new Random(43);
        int out = 12;
        int in = 4096; // a real hidden size: long rows, where early abandoning does most of its work
        float[] w = studentT(rnd, out, in, 4);
        assertIdentical("student-t(4) 12×4096 per channel", w, out, in, IntScheme.perRow(4, true, 1f));
        assertIdentical("student-t(4) 12×4096 group 128", w, out, in, IntScheme.perGroup(4, true, 128, 1f));
    }

    @Test
    void zeroAndConstantSlotsMatchTheReference() {
        int out = 4;
        int in = 256;
        float[] w = new float[out * in];
        for (int i = 0; i < in; i++) {
            w[in + i] = 0.5f; // constant row
            w[2 * in + i] = i % 2 == 0 ? 1e-7f : -1e-7f; // below the weight floor
            w[3 * in + i] = i == 7 ? 3f : 0f; // one spike
        }
        assertIdentical("degenerate rows per channel", w, out, in, IntScheme.perRow(4, true, 1f));
        assertIdentical("degenerate rows per group", w, out, in, IntScheme.perGroup(4, true, 128, 1f));
    }

    private static void assertIdentical(String what, float[] w, int out, int in, IntScheme scheme) {
        WeightClipResult fast = WeightClipSearch.search(w, out, in, scheme);
        WeightClipResult plain = WeightClipSearchReference.search(w, out, in, scheme);
        assertThat(fast.clipRatios()).as("%s: chosen ratios", what).containsExactly(plain.clipRatios());
        assertThat(fast.scales().scales()).as("%s: chosen scales", what).containsExactly(plain.scales().scales());
        assertThat(fast.scales().zeroPoints()).as("%s: zero points", what)
                .containsExactly(plain.scales().zeroPoints());
        assertThat(fast.quantized()).as("%s: quantized W", what).containsExactly(plain.quantized());
        assertThat(fast.errors()).as("%s: chosen error sums", what).containsExactly(plain.errors());
        assertThat(fast.errorsAtClipOne()).as("%s: clip-1 error sums", what).containsExactly(plain.errorsAtClipOne());
    }

    static float[] gaussian(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.02 * rnd.nextGaussian());
        }
        return x;
    }

    /** Student-t with {@code dof} degrees of freedom: heavy tails in every row. */
    static float[] studentT(Random rnd, int rows, int cols, int dof) {
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            double chi2 = 0;
            for (int k = 0; k < dof; k++) {
                double g = rnd.nextGaussian();
                chi2 += g * g;
            }
            x[i] = (float) (rnd.nextGaussian() / Math.sqrt(chi2 / dof));
        }
        return x;
    }

    /** Small integers: many exact codes and equal error sums at neighbouring shrinks (tie handling). */
    static float[] coarse(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(15) - 7;
        }
        return x;
    }
}
