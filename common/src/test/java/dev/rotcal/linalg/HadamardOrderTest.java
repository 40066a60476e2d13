package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HadamardOrderTest {
    static final String SUPPORTED =
            "(supported: K·2^m with K in {1, 12, 20, 28, 36, 40, 52, 60, 108, 140, 148, 156, 172})";

    @ParameterizedTest
    @CsvSource({
            "4096, 1, 12", "8192, 1, 13", "1, 1, 0", "2, 1, 1",
            "5120, 40, 7", "3584, 28, 7", "11008, 172, 6", "13824, 108, 7", "14336, 28, 9", "18944, 148, 7",
            "28672, 28, 10", "12, 12, 0", "20, 20, 0", "40, 40, 0", "80, 40, 1", "156, 156, 0", "344, 172, 1"})
    void factorsInQuaRotPriorityOrder(int n, int k, int m) {
        HadamardOrder order = HadamardOrder.of(n);
        assertThat(order).as("n = %d should factor as %d·2^%d", n, k, m).isEqualTo(new HadamardOrder(n, k, m));
        assertThat(order.twoPower() * order.k()).as("K·2^m = n").isEqualTo(n);
    }

    @Test
    void supportedKIsTheDocumentedSet() {
        assertThat(HadamardOrder.SUPPORTED_K).as("the K set named in the error message")
                .containsExactly(1, 12, 20, 28, 36, 40, 52, 60, 108, 140, 148, 156, 172);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 88, 44, 3, 7, 168, 172 * 3, 0, -4, Integer.MIN_VALUE})
    void rejectsUnsupportedOrdersNamingTheOrderAndTheSupportedSet(int n) {
        assertThatThrownBy(() -> HadamardOrder.of(n))
                .as("order %d has no supported factorization", n)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build a Hadamard matrix of order " + n + ": ")
                .hasMessageEndingWith(SUPPORTED);
    }

    @Test
    void explainsWhyAnOrderIsUnsupported() {
        assertThatThrownBy(() -> HadamardOrder.of(88))
                .as("88 = 11·2^3: 44 is not in the K set")
                .hasMessage("Cannot build a Hadamard matrix of order 88: 88 = 11·2^3 and no supported K has odd "
                        + "part 11 " + SUPPORTED);
        assertThatThrownBy(() -> HadamardOrder.of(0))
                .hasMessage("Cannot build a Hadamard matrix of order 0: the order must be positive " + SUPPORTED);
    }

    @Test
    void rejectsInconsistentRecords() {
        assertThatThrownBy(() -> new HadamardOrder(100, 25, 2))
                .as("25 is not a supported K")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build a Hadamard matrix of order 100: ");
        assertThatThrownBy(() -> new HadamardOrder(24, 12, 3)).as("12·2^3 ≠ 24")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
