package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.QuantizationError;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClipRatioSweepTest {

    @Test
    void fusedSweepEqualsQuantizingTheChunkAtEveryRatio() {
        Random rng = new Random(41);
        int d = 96;
        int n = 300; // one full chunk of 256 rows and a partial one
        float[] rows = new float[n * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) (rng.nextGaussian() * (i % d == 7 ? 40 : 1)); // an outlier channel
        }
        for (int c = 0; c < d; c++) {
            rows[5 * d + c] = 0f; // an all-zero row: the [−1, 1] range rule
        }
        float[] ratios = ClipRatioSweep.dfrotRatios();
        for (IntScheme scheme : new IntScheme[] {IntScheme.perRow(4, false, 1f), IntScheme.perGroup(4, false, 32, 1f),
                IntScheme.perRow(8, false, 1f)}) {
            double[] fused = ClipRatioSweep.errors(rows, n, d, scheme, ratios);
            double[] plain = plainErrors(rows, n, d, scheme, ratios);
            assertThat(fused).as("%s: the fused sweep, bit for bit", scheme).isEqualTo(plain);
        }
    }

    /** The sweep as it was first written: per chunk of 256 rows, fake-quantize at each ratio, then sum. */
    private static double[] plainErrors(float[] rows, int n, int d, IntScheme scheme, float[] ratios) {
        double[] errors = new double[ratios.length];
        for (int r0 = 0; r0 < n; r0 += 256) {
            int m = Math.min(256, n - r0);
            float[] src = java.util.Arrays.copyOfRange(rows, r0 * d, (r0 + m) * d);
            float[] dst = new float[src.length];
            for (int k = 0; k < ratios.length; k++) {
                IntQuantizer.fakeQuant(src, dst, m, d, scheme.withClipRatio(ratios[k]));
                errors[k] += QuantizationError.sumSquaredError(src, dst, 0, m * d);
            }
        }
        return errors;
    }
}
