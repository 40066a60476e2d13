package dev.rotcal.dfrot;

import static dev.rotcal.dfrot.ProcrustesAccumulatorTest.maxAbs;
import static dev.rotcal.dfrot.ProcrustesAccumulatorTest.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The block kernel's float C, summed natively over many blocks and flushed into double, against a double
 * reference; and its life cycle.
 */
class ProcrustesBlockKernelTest {
    private static final float ALPHA = 100f;

    private record Rows(int d, int n, float[] values, float[] weights, boolean[] massive) {
        static Rows of(int d, int common, int heavy, long seed) {
            SyntheticActivations.Rows rows =
                    SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(d, common, heavy, seed));
            float[] weights = new float[rows.count()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = rows.massive()[i] ? ALPHA : 1f;
            }
            return new Rows(d, rows.count(), rows.normalized(), weights, rows.massive());
        }
    }

    @Test
    void nativeFloatSumOverManyBlocksMatchesTheDoubleReference() {
        // a signed permutation R makes Y = A_w·R exact in float, so B = Q(Y) is the same in the reference and
        // the only difference left is C's float summation over up to FLUSH_ROWS rows
        int d = 48;
        Rows rows = Rows.of(d, 2 * ProcrustesBlockKernel.FLUSH_ROWS + 3000, 12, 51);
        double[] r = signedPermutation(d, 52); // (d, d)

        ProcrustesAccumulator acc = new ProcrustesAccumulator(d);
        BlockPhaseTimes times = new BlockPhaseTimes();
        try (ProcrustesBlockKernel kernel = new ProcrustesBlockKernel(acc, r, 1000, times)) {
            kernel.add(rows.values(), 0, rows.n(), rows.weights(), rows.massive());
        }

        double[] c = new double[d * d]; // (d, d) Σ a_wᵀ·b in double
        double weighted = 0;
        float[] y = new float[d];       // (d) w·x·R, exact
        float[] b = new float[d];       // (d) Q(y)
        for (int i = 0; i < rows.n(); i++) {
            float w = rows.weights()[i];
            for (int j = 0; j < d; j++) {
                y[j] = 0;
                for (int k = 0; k < d; k++) {
                    y[j] += (float) (rows.values()[i * d + k] * w * r[k * d + j]);
                }
            }
            LossQuantizer.fakeQuant(y, b, 1, d);
            for (int k = 0; k < d; k++) {
                double a = (double) (rows.values()[i * d + k] * w);
                for (int j = 0; j < d; j++) {
                    c[k * d + j] += a * b[j];
                }
            }
            for (int j = 0; j < d; j++) {
                weighted += ((double) y[j] - b[j]) * ((double) y[j] - b[j]);
            }
        }

        assertThat(maxAbsDifference(acc.crossProduct(), c) / maxAbs(c))
                .as("C summed in float over blocks of 1000 rows, flushed every %d rows, vs double",
                        ProcrustesBlockKernel.FLUSH_ROWS)
                .isLessThan(1e-6);
        assertThat(acc.loss().weightedTotal()).as("weighted loss").isCloseTo(weighted, within(1e-9 * weighted));
        assertThat(acc.loss().rows()).as("every row once").isEqualTo(rows.n());
        assertThat(times.rows()).as("rows timed").isEqualTo(rows.n());
        assertThat(times.seconds(BlockPhaseTimes.Phase.FLUSH_C)).as("flushed at least three times").isPositive();
    }

    @Test
    void oneKernelOverAllBlocksEqualsAnAddPerBlock() {
        int d = 40;
        Rows rows = Rows.of(d, 5000, 9, 61);
        double[] r = gaussian(d, 62); // (d, d) any matrix exercises the algebra

        ProcrustesAccumulator perBlock = new ProcrustesAccumulator(d);
        for (int start = 0; start < rows.n(); start += 700) {
            int end = Math.min(rows.n(), start + 700);
            perBlock.add(java.util.Arrays.copyOfRange(rows.values(), start * d, end * d), end - start,
                    java.util.Arrays.copyOfRange(rows.weights(), start, end),
                    java.util.Arrays.copyOfRange(rows.massive(), start, end), r);
        }
        ProcrustesAccumulator oneKernel = new ProcrustesAccumulator(d);
        try (ProcrustesBlockKernel kernel = new ProcrustesBlockKernel(oneKernel, r, 700)) {
            // two calls with a row offset: blocks need not line up with calls
            kernel.add(rows.values(), 0, 1234, rows.weights(), rows.massive());
            kernel.add(rows.values(), 1234, rows.n() - 1234, rows.weights(), rows.massive());
        }

        double[] c = perBlock.crossProduct();
        assertThat(maxAbsDifference(oneKernel.crossProduct(), c) / maxAbs(c))
                .as("C: float sums over the flush window vs double sums per block").isLessThan(1e-6);
        assertThat(oneKernel.loss().weightedTotal()).as("weighted loss")
                .isCloseTo(perBlock.loss().weightedTotal(), within(1e-6 * perBlock.loss().weightedTotal()));
        assertThat(oneKernel.loss().errors().massiveRows()).isEqualTo(9);
        assertThat(oneKernel.loss().rows()).isEqualTo(rows.n());
    }

    @Test
    void closeAddsThePendingSumOnceAndFreesTheBuffers() {
        int d = 16;
        Rows rows = Rows.of(d, 100, 1, 71);
        double[] r = signedPermutation(d, 72);
        ProcrustesAccumulator acc = new ProcrustesAccumulator(d);
        ProcrustesBlockKernel kernel = new ProcrustesBlockKernel(acc, r, 64);
        kernel.add(rows.values(), 0, rows.n(), rows.weights(), rows.massive());
        assertThat(maxAbs(acc.crossProduct())).as("C is pending in native memory until close").isZero();
        kernel.close();
        double[] c = acc.crossProduct();
        assertThat(maxAbs(c)).as("C after close").isPositive();
        kernel.close();
        assertThat(acc.crossProduct()).as("a second close adds nothing").containsExactly(c);
        assertThatThrownBy(() -> kernel.add(rows.values(), 0, 1, rows.weights(), rows.massive()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("after close");
    }

    @Test
    void rejectsRowsOutsideTheArraysAndBadWeights() {
        int d = 8;
        Rows rows = Rows.of(d, 20, 1, 81);
        float[] weights = rows.weights().clone();
        weights[15] = Float.POSITIVE_INFINITY;
        try (ProcrustesBlockKernel kernel = new ProcrustesBlockKernel(new ProcrustesAccumulator(d),
                signedPermutation(d, 82), 4)) {
            assertThatThrownBy(() -> kernel.add(rows.values(), 15, 10, rows.weights(), rows.massive()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows 15..25 of width 8");
            assertThatThrownBy(() -> kernel.add(rows.values(), 10, 10, weights, rows.massive()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Cannot weight row 15");
        }
        assertThatThrownBy(() -> new ProcrustesBlockKernel(new ProcrustesAccumulator(d), new double[9], 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("d² = 64");
    }

    /** (d, d) row-major: one ±1 per row and column. */
    private static double[] signedPermutation(int d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] perm = new int[d];
        for (int i = 0; i < d; i++) {
            perm[i] = i;
        }
        for (int i = d - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double[] r = new double[d * d];
        for (int i = 0; i < d; i++) {
            r[i * d + perm[i]] = random.nextBoolean() ? 1 : -1;
        }
        return r;
    }

    private static double[] gaussian(int d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] r = new double[d * d];
        for (int k = 0; k < r.length; k++) {
            r[k] = random.nextGaussian() / Math.sqrt(d);
        }
        return r;
    }
}
