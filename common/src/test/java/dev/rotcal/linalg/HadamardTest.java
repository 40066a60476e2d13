package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HadamardTest {

    static Iterable<Integer> supportedK() {
        return HadamardOrder.SUPPORTED_K;
    }

    @ParameterizedTest
    @MethodSource("supportedK")
    void everyBaseMatrixIsHadamardExactly(int k) {
        ExactHadamardCheck.assertHadamard(Hadamard.base(k), k, "H_" + k);
    }

    @Test
    void bothConstructionsOfOrder28AreHadamard() {
        ExactHadamardCheck.assertHadamard(PaleyHadamard.paleyII(13), 28, "Paley II over GF(13)");
        ExactHadamardCheck.assertHadamard(Hadamard.base28PaleyI(), 28, "Paley I over GF(27)");
        assertThat(Hadamard.base28PaleyI()).as("GF(27) and GF(13) give different order-28 matrices")
                .isNotEqualTo(Hadamard.base(28));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 7, 11, 19, 23, 27, 31, 43, 47, 59, 67, 71, 79, 83})
    void paleyIGivesOrderQPlusOne(int q) {
        ExactHadamardCheck.assertHadamard(PaleyHadamard.paleyI(q), q + 1, "Paley I over GF(" + q + ")");
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 9, 13, 17, 25, 29, 37, 41, 49})
    void paleyIIGivesOrderTwiceQPlusOne(int q) {
        ExactHadamardCheck.assertHadamard(PaleyHadamard.paleyII(q), 2 * (q + 1), "Paley II over GF(" + q + ")");
    }

    @Test
    void paleyRejectsTheWrongResidueOrANonPrimePower() {
        assertThatThrownBy(() -> PaleyHadamard.paleyI(13)).as("13 ≡ 1 mod 4 needs Paley II")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q must be ≡ 3 mod 4");
        assertThatThrownBy(() -> PaleyHadamard.paleyII(11)).as("11 ≡ 3 mod 4 needs Paley I")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q must be ≡ 1 mod 4");
        assertThatThrownBy(() -> PaleyHadamard.paleyI(35)).as("35 = 5·7 is no field order")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a prime power");
    }

    @Test
    void jacobsthalIsSkewForThreeModFourAndSymmetricForOneModFour() {
        for (int q : new int[] {27, 25}) {
            byte[] jac = PaleyHadamard.jacobsthal(new GaloisField(q));
            int sign = q % 4 == 3 ? -1 : 1;
            for (int i = 0; i < q; i++) {
                for (int j = 0; j < q; j++) {
                    assertThat(jac[j * q + i]).as("Q over GF(%d) is %s", q, sign < 0 ? "skew" : "symmetric")
                            .isEqualTo((byte) (sign * jac[i * q + j]));
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"39, 156", "43, 172"})
    void williamsonResourcesHoldSymmetricCirculants(int m, int n) {
        byte[] h = WilliamsonHadamard.fromResource(m);
        // the first rows of the four blocks of the first block row are A, B, C, D
        for (int block = 0; block < 4; block++) {
            for (int j = 0; j < m; j++) {
                assertThat(h[block * m + j]).as("circulant %d of order %d is symmetric at %d", block, m, j)
                        .isEqualTo(h[block * m + (m - j) % m]);
            }
        }
        ExactHadamardCheck.assertHadamard(h, n, "Williamson " + n);
    }

    @Test
    void williamsonRejectsANonSymmetricCirculant() {
        byte[][] rows = {{1, 1, -1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
        assertThatThrownBy(() -> WilliamsonHadamard.fromFirstRows(rows))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not symmetric");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8, 64, 12 * 4, 20 * 2, 28 * 8, 36 * 2, 40 * 8, 52 * 2, 60 * 2, 108 * 2, 140, 148 * 4,
            156 * 2, 172 * 2})
    void matrixIsTheKroneckerProductWithTheKFactorOuter(int n) {
        HadamardOrder order = HadamardOrder.of(n);
        byte[] expected = plainKronecker(Hadamard.base(order.k()), order.k(),
                SylvesterHadamard.matrix(order.twoPower()), order.twoPower());
        byte[] h = Hadamard.matrix(n);
        assertThat(h).as("matrix(%d) = H_%d ⊗ H_%d", n, order.k(), order.twoPower()).isEqualTo(expected);
        ExactHadamardCheck.assertHadamard(h, n, "matrix(" + n + ")");
    }

    @Test
    void rowsStreamsTheSameEntriesAsMatrix() {
        int n = 172 * 4;
        byte[] whole = Hadamard.matrix(n);
        byte[] slice = new byte[7 * n];
        for (int first = 0; first < n; first += 7) {
            int count = Math.min(7, n - first);
            Hadamard.rows(n, first, count, slice);
            assertThat(Arrays.copyOf(slice, count * n)).as("rows [%d, %d) of matrix(%d)", first, first + count, n)
                    .isEqualTo(Arrays.copyOfRange(whole, first * n, (first + count) * n));
        }
        assertThatThrownBy(() -> Hadamard.rows(n, n - 1, 2, slice)).as("rows past the end")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void baseReturnsACopyTheCallerMayModify() {
        byte[] h = Hadamard.base(12);
        h[0] = 0;
        assertThat(Hadamard.base(12)[0]).as("the cached base matrix is not shared with callers").isNotZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 88, 0, -12})
    void unsupportedOrdersFailWithTheStandardMessage(int n) {
        assertThatThrownBy(() -> Hadamard.matrix(n)).as("matrix(%d)", n)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build a Hadamard matrix of order " + n + ": ")
                .hasMessageEndingWith(HadamardOrderTest.SUPPORTED);
        assertThatThrownBy(() -> Hadamard.base(44)).as("44 is not in the K set")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order 44");
    }

    @Test
    void integerWalshHadamardOfTheExactCheckIsTheSylvesterProduct() {
        // the streamed exact check relies on this test-side transform computing y · H_M
        SplittableRandom random = new SplittableRandom(7);
        for (int size : new int[] {1, 2, 16, 128}) {
            byte[] s = SylvesterHadamard.matrix(size);
            int[] y = random.ints(size, -50, 50).toArray();
            double[] expected = ExactHadamardCheck.times(Arrays.stream(y).asDoubleStream().toArray(), s, size);
            ExactHadamardCheck.walshHadamard(y, 0, size);
            assertThat(Arrays.stream(y).asDoubleStream().toArray()).as("integer WHT of size %d", size)
                    .containsExactly(expected);
        }
    }

    @Test
    void streamedCheckRejectsANonHadamardMatrix() {
        int n = 12 * 8;
        byte[] h = Hadamard.matrix(n);
        h[5 * n + 17] *= -1; // one flipped sign breaks orthogonality
        assertThatThrownBy(() -> ExactHadamardCheck.assertStreamedHadamard(n,
                (first, count, dst) -> System.arraycopy(h, first * n, dst, 0, count * n), "flipped"))
                .as("the exact streamed check must notice a single flipped entry")
                .isInstanceOf(AssertionError.class);
        ExactHadamardCheck.assertStreamedHadamard(n, (first, count, dst) -> Hadamard.rows(n, first, count, dst),
                "unflipped");
    }

    // plain reference: (A ⊗ B)[i·nb + k, j·nb + l] = A[i, j] · B[k, l]
    private static byte[] plainKronecker(byte[] a, int na, byte[] b, int nb) {
        int n = na * nb;
        byte[] out = new byte[n * n];
        for (int row = 0; row < n; row++) {
            for (int col = 0; col < n; col++) {
                out[row * n + col] = (byte) (a[(row / nb) * na + col / nb] * b[(row % nb) * nb + col % nb]);
            }
        }
        return out;
    }
}
