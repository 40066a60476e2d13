package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hᵀ·H = n·I exactly for the full matrix(n) at the hidden / intermediate sizes of the supported LLMs, via the
 * streamed peeled-Sylvester check (see {@link ExactHadamardCheck}): every row of H is generated and checked.
 */
class HadamardLlmSizesTest {
    private static final Logger LOG = LoggerFactory.getLogger(HadamardLlmSizesTest.class);

    @ParameterizedTest
    @ValueSource(ints = {4096, 5120, 8192, 3584, 11008, 13824, 14336, 18944, 28672})
    void fullMatrixIsHadamardExactly(int n) {
        long start = System.nanoTime();
        long rows = ExactHadamardCheck.assertStreamedHadamard(n,
                (first, count, dst) -> Hadamard.rows(n, first, count, dst), "H_" + n);
        assertThat(rows).as("every row of H_%d was checked", n).isEqualTo(n);
        LOG.info("H_{} = {}: Hᵀ·H = n·I exactly over all {} rows in {} ms", n, HadamardOrder.of(n), rows,
                (System.nanoTime() - start) / 1_000_000);
    }

    @ParameterizedTest
    @ValueSource(ints = {3584, 5120})
    void materializedMatrixIsHadamardExactly(int n) {
        byte[] h = Hadamard.matrix(n); // (n, n) row-major, 12.8 / 26.2 MB
        long rows = ExactHadamardCheck.assertStreamedHadamard(n,
                (first, count, dst) -> System.arraycopy(h, first * n, dst, 0, count * n), "matrix(" + n + ")");
        assertThat(rows).as("every row of matrix(%d) was checked", n).isEqualTo(n);
    }
}
