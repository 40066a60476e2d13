package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RandomizedHadamardTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 64, 12 * 4, 28 * 8, 40 * 4, 148 * 2, 156 * 2, 172 * 2})
    void matrixIsOrthogonalInDouble(int n) {
        double[] r = RandomizedHadamard.matrix(n, 42L); // (n, n) row-major
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0; // (RᵀR)[i, j] = Σ_k R[k, i]·R[k, j]
                for (int k = 0; k < n; k++) {
                    dot += r[k * n + i] * r[k * n + j];
                }
                worst = Math.max(worst, Math.abs(dot - (i == j ? 1 : 0)));
            }
        }
        assertThat(worst).as("max |RᵀR − I| for n = %d", n).isLessThan(1e-12);
    }

    @Test
    void matrixIsSignsTimesHadamardOverRootN() {
        int n = 20 * 4;
        double[] d = RandomizedHadamard.signs(n, 9L);
        byte[] h = Hadamard.matrix(n);
        double[] r = RandomizedHadamard.matrix(n, 9L);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertThat(r[i * n + j]).as("R[%d, %d] = d_%d·H[%d, %d]/√n", i, j, i, i, j)
                        .isEqualTo(d[i] * h[i * n + j] / Math.sqrt(n), offset(1e-15));
            }
        }
    }

    @Test
    void signsFollowSplittableRandomSoASeedNamesTheRotation() {
        double[] d = RandomizedHadamard.signs(1000, 123L);
        SplittableRandom random = new SplittableRandom(123L);
        int plus = 0;
        for (int i = 0; i < d.length; i++) {
            assertThat(d[i]).as("sign %d is nextBoolean() of SplittableRandom(seed)", i)
                    .isEqualTo(random.nextBoolean() ? 1.0 : -1.0);
            plus += d[i] > 0 ? 1 : 0;
        }
        assertThat(plus).as("about half the signs are +1").isBetween(400, 600);
    }

    @Test
    void deterministicPerSeedAndDifferentAcrossSeeds() {
        int n = 172 * 2;
        assertThat(RandomizedHadamard.matrix(n, 7L)).as("same seed, same rotation")
                .isEqualTo(RandomizedHadamard.matrix(n, 7L));
        assertThat(RandomizedHadamard.matrix(n, 8L)).as("another seed, another rotation")
                .isNotEqualTo(RandomizedHadamard.matrix(n, 7L));
        assertThat(RandomizedHadamard.signs(n, 7L)).as("another seed, other signs")
                .isNotEqualTo(RandomizedHadamard.signs(n, 8L));
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 12 * 4, 28 * 8, 40 * 8, 148 * 4, 156 * 2, 172 * 2})
    void applyEqualsTheProductWithTheMatrix(int n) {
        long seed = 31L * n;
        double[] r = RandomizedHadamard.matrix(n, seed); // (n, n) row-major
        SplittableRandom random = new SplittableRandom(n);
        int nRows = 3;
        double[] xd = new double[nRows * n]; // (nRows, n) row-major
        float[] xf = new float[nRows * n];
        for (int i = 0; i < xd.length; i++) {
            xf[i] = (float) random.nextGaussian();
            xd[i] = xf[i];
        }
        double[] expected = new double[nRows * n]; // x · R, plain triple loop
        for (int row = 0; row < nRows; row++) {
            for (int i = 0; i < n; i++) {
                double xi = xd[row * n + i];
                for (int j = 0; j < n; j++) {
                    expected[row * n + j] += xi * r[i * n + j];
                }
            }
        }
        RandomizedHadamard.apply(xf, nRows, n, seed);
        RandomizedHadamard.apply(xd, nRows, n, seed);
        for (int row = 0; row < nRows; row++) {
            double scale = 0;
            for (int j = 0; j < n; j++) {
                scale = Math.max(scale, Math.abs(expected[row * n + j]));
            }
            for (int j = 0; j < n; j++) {
                int at = row * n + j;
                assertThat((double) xf[at]).as("n = %d: float apply = x·R at (%d, %d)", n, row, j)
                        .isCloseTo(expected[at], offset(1e-4 * scale));
                assertThat(xd[at]).as("n = %d: double apply = x·R at (%d, %d)", n, row, j)
                        .isCloseTo(expected[at], offset(1e-12 * scale));
            }
        }
    }

    @Test
    void rejectsUnsupportedOrders() {
        assertThatThrownBy(() -> RandomizedHadamard.matrix(100, 1L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build a Hadamard matrix of order 100: ")
                .hasMessageEndingWith(HadamardOrderTest.SUPPORTED);
        assertThatThrownBy(() -> RandomizedHadamard.apply(new float[88], 1, 88, 1L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build a Hadamard matrix of order 88: ");
    }
}
