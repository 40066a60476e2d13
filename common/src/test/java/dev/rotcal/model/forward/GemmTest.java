package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GemmTest {

    /** Plain reference y[r][o] = Σ_i x[r][i]·w[o][i] + b[o], in double. */
    private static double[] linearReference(float[] x, int rows, int in, float[] w, int out, float[] b) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    @Test
    void linearMatchesTripleLoopWithAndWithoutBias() {
        Random rng = new Random(11);
        int rows = 37;
        int in = 53;
        int out = 29;
        float[] x = RandomBlocks.gaussian(rng, rows * in, 1);
        float[] w = RandomBlocks.gaussian(rng, out * in, 0.2);
        float[] b = RandomBlocks.gaussian(rng, out, 1);

        float[] y = Gemm.linear(x, rows, in, w, out, null);
        float[] yb = Gemm.linear(x, rows, in, w, out, b);

        assertThat(RandomBlocks.maxAbsDiff(linearReference(x, rows, in, w, out, null), y))
                .as("x·Wᵀ through sgemm should equal the triple loop up to float rounding")
                .isLessThan(1e-4);
        assertThat(RandomBlocks.maxAbsDiff(linearReference(x, rows, in, w, out, b), yb))
                .as("x·Wᵀ + b should add the bias to every row")
                .isLessThan(1e-4);
    }

    @Test
    void linearWithNativeWeightsEqualsLinearWithHeapWeights() {
        Random rng = new Random(13);
        int rows = 9;
        int in = 40;
        int out = 17;
        float[] x = RandomBlocks.gaussian(rng, rows * in, 1);
        float[] w = RandomBlocks.gaussian(rng, out * in, 0.2);
        float[] b = RandomBlocks.gaussian(rng, out, 1);
        try (NativeMatrix nw = NativeMatrix.copyOf(w, out, in)) {
            assertThat(Gemm.linear(x, rows, nw, b)).as("the same sgemm, with W read from native memory")
                    .containsExactly(Gemm.linear(x, rows, in, w, out, b));
            assertThat(Gemm.linear(x, rows, nw, null)).as("reused without a bias")
                    .containsExactly(Gemm.linear(x, rows, in, w, out, null));
            assertThat(Gemm.linear(new float[0], 0, nw, b)).as("an empty block").isEmpty();
        }
    }

    @Test
    void timesAndTimesTransposedMatchTripleLoops() {
        Random rng = new Random(12);
        int m = 19;
        int n = 23;
        int k = 31;
        float[] a = RandomBlocks.gaussian(rng, m * k, 1);
        float[] bt = RandomBlocks.gaussian(rng, n * k, 1);   // (n, k)
        float[] b = new float[k * n];                          // (k, n) = btᵀ
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                b[j * n + i] = bt[i * k + j];
            }
        }
        float[] c1 = new float[m * n];
        float[] c2 = new float[m * n];
        Gemm.timesTransposed(a, bt, c1, m, n, k);
        Gemm.times(a, b, c2, m, n, k);

        double[] expected = linearReference(a, m, k, bt, n, null);
        assertThat(RandomBlocks.maxAbsDiff(expected, c1)).as("a·bᵀ vs triple loop").isLessThan(1e-4);
        assertThat(RandomBlocks.maxAbsDiff(expected, c2)).as("a·b vs triple loop").isLessThan(1e-4);
    }

    @Test
    void timesOverwritesStaleOutput() {
        float[] c = {5, 5, 5, 5};
        Gemm.times(new float[] {1, 0, 0, 1}, new float[] {1, 2, 3, 4}, c, 2, 2, 2);
        assertThat(c).as("beta = 0: the previous content of c must not leak into the product")
                .containsExactly(1, 2, 3, 4);
    }

    @Test
    void rejectsShortArraysAndWrongBias() {
        assertThatThrownBy(() -> Gemm.linear(new float[6], 2, 3, new float[5], 2, null))
                .as("W of 5 floats cannot be (2, 3)")
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Cannot multiply");
        assertThatThrownBy(() -> Gemm.linear(new float[6], 2, 3, new float[6], 2, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias has 3 values");
    }
}
