package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RmsNormTest {

    @Test
    void normalizeMatchesDirectFormulaAndGivesNormSqrtD() {
        Random rng = new Random(21);
        int rows = 5;
        int dim = 96;
        float[] x = RandomBlocks.gaussian(rng, rows * dim, 3);
        x[7] = 2500f;   // a massive activation must not lose precision in the mean of squares
        double eps = 1e-6;

        float[] out = new float[x.length];
        RmsNorm.normalize(x, out, rows, dim, eps);

        double[] expected = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int c = 0; c < dim; c++) {
                ms += (double) x[r * dim + c] * x[r * dim + c] / dim;
            }
            double rms = Math.sqrt(ms + eps);
            double norm = 0;
            for (int c = 0; c < dim; c++) {
                expected[r * dim + c] = x[r * dim + c] / rms;
                norm += (double) out[r * dim + c] * out[r * dim + c];
            }
            assertThat(Math.sqrt(norm)).as("row %d of x / rms(x) should have norm √d", r)
                    .isCloseTo(Math.sqrt(dim), org.assertj.core.data.Offset.offset(1e-3));
        }
        assertThat(RandomBlocks.maxAbsDiff(expected, out)).as("x / sqrt(mean(x²) + eps)").isLessThan(1e-6);
    }

    @Test
    void withGainIsNormalizeThenScaleColumns() {
        Random rng = new Random(22);
        int rows = 3;
        int dim = 8;
        float[] x = RandomBlocks.gaussian(rng, rows * dim, 1);
        float[] gain = RandomBlocks.gaussian(rng, dim, 1);

        float[] y = RmsNorm.normalizeWithGain(x, rows, gain, 1e-5);
        float[] n = new float[x.length];
        RmsNorm.normalize(x, n, rows, dim, 1e-5);

        for (int i = 0; i < x.length; i++) {
            assertThat(y[i]).as("element %d = normalized · gain[column]", i).isEqualTo(n[i] * gain[i % dim]);
        }
    }
}
