package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FastHadamardTransformTest {
    private static final int[] SIZES = {1, 2, 64, 12, 12 * 4, 20 * 2, 28 * 8, 36 * 4, 40 * 8, 52 * 2, 60 * 2, 108 * 2,
            140 * 2, 148 * 4, 156 * 2, 172 * 2, 3584};

    static int[] sizes() {
        return SIZES;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void floatTransformEqualsTheExplicitProduct(int n) {
        byte[] h = Hadamard.matrix(n); // (n, n) row-major, entries ±1
        SplittableRandom random = new SplittableRandom(1000 + n);
        int nRows = 3;
        float[] rows = new float[nRows * n]; // (nRows, n) row-major
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        double[][] expected = explicitProducts(rows, nRows, n, h);
        new FastHadamardTransform(n).apply(rows, nRows);
        for (int r = 0; r < nRows; r++) {
            double scale = maxAbs(expected[r]);
            for (int j = 0; j < n; j++) {
                assertThat((double) rows[r * n + j]).as("n = %d, row %d, column %d of x·H", n, r, j)
                        .isCloseTo(expected[r][j], offset(1e-4 * scale));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void integerRowsTransformExactlyInFloatAndDouble(int n) {
        byte[] h = Hadamard.matrix(n);
        SplittableRandom random = new SplittableRandom(2000 + n);
        int nRows = 2;
        float[] f = new float[nRows * n];  // (nRows, n) row-major, integers in [−100, 100]
        double[] d = new double[nRows * n];
        for (int i = 0; i < f.length; i++) {
            f[i] = random.nextInt(-100, 101);
            d[i] = f[i];
        }
        double[][] expected = explicitProducts(f, nRows, n, h); // integers, |value| ≤ 100·n < 2^24
        FastHadamardTransform transform = new FastHadamardTransform(n);
        transform.apply(f, nRows);
        transform.apply(d, nRows);
        for (int r = 0; r < nRows; r++) {
            for (int j = 0; j < n; j++) {
                assertThat((double) f[r * n + j])
                        .as("n = %d: float transform of integers is exact at (%d, %d)", n, r, j)
                        .isEqualTo(expected[r][j]);
                assertThat(d[r * n + j]).as("n = %d: double transform of integers is exact at (%d, %d)", n, r, j)
                        .isEqualTo(expected[r][j]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {11008, 18944, 28672})
    void integerRowsTransformExactlyAtLlmSizes(int n) {
        // reference x·H streamed from Hadamard.rows, so the (n, n) matrix is never materialized
        SplittableRandom random = new SplittableRandom(n);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextInt(-3, 4);
        }
        double[] expected = new double[n];
        int blockRows = 256;
        byte[] slice = new byte[blockRows * n]; // (blockRows, n) row-major rows of H
        for (int first = 0; first < n; first += blockRows) {
            int count = Math.min(blockRows, n - first);
            Hadamard.rows(n, first, count, slice);
            for (int i = 0; i < count; i++) {
                double xi = x[first + i];
                if (xi != 0) {
                    for (int j = 0; j < n; j++) {
                        expected[j] += xi * slice[i * n + j];
                    }
                }
            }
        }
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) x[i];
        }
        new FastHadamardTransform(n).apply(f, 1);
        for (int j = 0; j < n; j++) {
            if (f[j] != expected[j]) {
                assertThat((double) f[j]).as("n = %d: column %d of x·H", n, j).isEqualTo(expected[j]);
            }
        }
    }

    @Test
    void normalizedTransformIsOrthogonalAndScalesByOneOverRootN() {
        int n = 172 * 8;
        SplittableRandom random = new SplittableRandom(5);
        double[] x = random.doubles(2L * n, -1, 1).toArray(); // (2, n) row-major
        double[] unnormalized = x.clone();
        double[] normalized = x.clone();
        FastHadamardTransform transform = new FastHadamardTransform(n);
        transform.apply(unnormalized, 2);
        transform.applyNormalized(normalized, 2);
        for (int i = 0; i < 2 * n; i++) {
            assertThat(normalized[i]).as("normalized = unnormalized / √n at %d", i)
                    .isCloseTo(unnormalized[i] / Math.sqrt(n), offset(1e-12));
        }
        for (int r = 0; r < 2; r++) {
            // H/√n is orthogonal, so every row keeps its Euclidean length
            assertThat(norm(normalized, r, n)).as("row %d keeps its length", r)
                    .isCloseTo(norm(x, r, n), offset(1e-9));
        }
        float[] xf = new float[n];
        for (int i = 0; i < n; i++) {
            xf[i] = (float) x[i];
        }
        transform.applyNormalized(xf, 1);
        for (int i = 0; i < n; i++) {
            assertThat((double) xf[i]).as("float and double normalized transforms agree at %d", i)
                    .isCloseTo(normalized[i], offset(1e-5));
        }
    }

    @Test
    void unitRowsGiveRowsOfHAndRowsPastNRowsStayUntouched() {
        int n = 28 * 4;
        byte[] h = Hadamard.matrix(n);
        FastHadamardTransform transform = new FastHadamardTransform(n); // one instance, scratch reused per call
        for (int call = 0; call < 2; call++) {
            float[] block = new float[3 * n]; // (3, n) row-major; only the first 2 rows are transformed
            block[call] = 1f;                 // row 0 = e_call
            block[n + 5] = 2f;                // row 1 = 2·e_5
            block[2 * n] = 7f;
            transform.apply(block, 2);
            for (int j = 0; j < n; j++) {
                assertThat(block[j]).as("call %d: e_%d·H is row %d of H", call, call, call)
                        .isEqualTo(h[call * n + j]);
                assertThat(block[n + j]).as("call %d: 2·e_5·H is twice row 5 of H", call)
                        .isEqualTo(2f * h[5 * n + j]);
            }
            assertThat(block[2 * n]).as("rows past nRows are untouched").isEqualTo(7f);
        }
    }

    @Test
    void rejectsUnsupportedOrdersAndShortArrays() {
        assertThatThrownBy(() -> new FastHadamardTransform(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build a Hadamard matrix of order 100: ")
                .hasMessageEndingWith(HadamardOrderTest.SUPPORTED);
        assertThatThrownBy(() -> new FastHadamardTransform(12).apply(new float[23], 2))
                .as("2 rows of 12 need 24 floats")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot transform 2 rows of length 12");
    }

    // plain reference: row r of the result is Σ_i x[r, i]·H[i, :], in double
    private static double[][] explicitProducts(float[] rows, int nRows, int n, byte[] h) {
        double[][] out = new double[nRows][];
        for (int r = 0; r < nRows; r++) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rows[r * n + i];
            }
            out[r] = ExactHadamardCheck.times(x, h, n);
        }
        return out;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double value : v) {
            m = Math.max(m, Math.abs(value));
        }
        return m;
    }

    private static double norm(double[] rows, int r, int n) {
        double s = 0;
        for (int i = r * n; i < (r + 1) * n; i++) {
            s += rows[i] * rows[i];
        }
        return Math.sqrt(s);
    }
}
