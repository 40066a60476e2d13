package dev.rotcal.dfrot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.quant.QuantizationError;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorizable row kernel of the loss quantizer against the plain one it replaces in the refine loop. */
class LossQuantizerTest {
    private static final int D = 96;

    @Test
    void rowKernelGivesTheSameCodesAndErrorAsThePlainQuantizer() {
        SplittableRandom random = new SplittableRandom(3);
        int rows = 40;
        float[] y = new float[rows * D]; // (rows, D) row-major
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (random.nextGaussian() * Math.exp(2 * random.nextGaussian()));
        }
        // row 0: ties at every half code (y / s = k + 0.5 with s = 1 from max|y| = 7): rint rounds half to even
        for (int j = 0; j < D; j++) {
            y[j] = (j % 16 - 8) + 0.5f;
        }
        y[0] = 7f;
        // row 1: all zero (scale 1, codes 0); row 2: one huge entry, the rest rounds to 0 or ±1
        for (int j = 0; j < D; j++) {
            y[D + j] = 0f;
            y[2 * D + j] = j == 5 ? -3e4f : (float) random.nextGaussian();
        }
        float[] expected = new float[y.length];
        LossQuantizer.fakeQuant(y, expected, rows, D);

        float[] actual = new float[y.length];
        for (int i = 0; i < rows; i++) {
            double squared = LossQuantizer.fakeQuantRow(y, i * D, actual, i * D, D);
            assertThat(squared).as("row %d: squared error", i)
                    .isEqualTo(QuantizationError.sumSquaredError(y, expected, i * D, D));
        }
        for (int k = 0; k < y.length; k++) {
            // == rather than equals: the kernel may give +0 where rint gives −0, the same value
            assertThat(actual[k] == expected[k]).as("element %d: %s vs %s (y = %s)", k, actual[k], expected[k], y[k])
                    .isTrue();
        }
    }

    @Test
    void aNaNMakesItsRowNaNLikeThePlainQuantizer() {
        float[] y = new float[2 * D];
        for (int j = 0; j < y.length; j++) {
            y[j] = j - 50f;
        }
        y[7] = Float.NaN;
        float[] b = new float[2 * D];
        double first = LossQuantizer.fakeQuantRow(y, 0, b, 0, D);
        double second = LossQuantizer.fakeQuantRow(y, D, b, D, D);
        assertThat(first).as("row with a NaN").isNaN();
        for (int j = 0; j < D; j++) {
            assertThat(b[j]).as("element %d of the NaN row", j).isNaN();
        }
        assertThat(second).as("the next row is unaffected").isFinite();
    }
}
