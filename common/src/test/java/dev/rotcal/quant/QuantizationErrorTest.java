package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Error metrics: hand values, split-equals-whole, and DFRot's per-row error against a plain loop. */
class QuantizationErrorTest {

    @Test
    void handWorkedErrors() {
        float[] x = {3f, 4f, 1f, 1f}; // (2, 2)
        float[] q = {0f, 0f, 1f, 0f}; // (2, 2)
        assertThat(QuantizationError.rowL2Errors(x, q, 2, 2)).as("row errors √(9+16), √(0+1)")
                .containsExactly(5.0, 1.0);
        assertThat(QuantizationError.sumSquaredError(x, q, 0, 4)).as("9 + 16 + 0 + 1").isEqualTo(26.0);
        assertThat(QuantizationError.sumPowError(x, q, 0, 2, 1)).as("|3| + |4|").isEqualTo(7.0);
    }

    @Test
    void blockSumsSplitAndPowTwoIsTheSquaredError() {
        Random rng = new Random(21);
        float[] x = new float[1000]; // (1000)
        float[] q = new float[1000]; // (1000)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
            q[i] = x[i] + (float) rng.nextGaussian() * 0.1f;
        }
        double whole = QuantizationError.sumSquaredError(x, q, 0, 1000);
        double parts = QuantizationError.sumSquaredError(x, q, 0, 321)
                + QuantizationError.sumSquaredError(x, q, 321, 679);
        assertThat(parts).as("sum over parts equals the sum over the whole").isCloseTo(whole, within(1e-12 * whole));
        assertThat(QuantizationError.sumPowError(x, q, 0, 1000, 2)).as("p = 2 is the squared error")
                .isCloseTo(whole, within(1e-12 * whole));
    }

    @Test
    void rowL2ErrorOfTheDfrotQuantizerMatchesAPlainLoop() {
        int rows = 5;
        int cols = 64;
        Random rng = new Random(4);
        float[] x = new float[rows * cols]; // (5, 64)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        x[3 * cols + 7] = 300f; // one dominant channel: the rest of that row rounds to 0
        float[] q = new float[x.length];
        IntQuantizer.fakeQuantSymmetricPerRow(x, q, rows, cols, 4, 1f);
        double[] e = QuantizationError.rowL2Errors(x, q, rows, cols);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                double d = x[r * cols + c] - q[r * cols + c];
                sum += d * d;
            }
            assertThat(e[r]).as("row %d", r).isCloseTo(Math.sqrt(sum), within(1e-12));
        }
    }
}
