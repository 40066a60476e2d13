package dev.rotcal.dfrot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.linalg.RandomOrthogonal;
import dev.rotcal.quant.IntQuantizer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The refine loss's quantizer is configurable (rotcal.refine.bits / clip-ratio); DFRot's is 4 bits, clip 1. */
class ProcrustesAccumulatorQuantizerTest {
    private static final int D = 32;
    private static final int N = 40;

    @Test
    void theLossIsMeasuredWithTheConfiguredQuantizer() {
        Random random = new Random(5);
        float[] rows = new float[N * D]; // (N, D)
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        float[] weights = new float[N];
        java.util.Arrays.fill(weights, 1f);
        boolean[] massive = new boolean[N];
        double[] r = RandomOrthogonal.matrix(D, 3);

        for (int[] bits : new int[][] {{4}, {8}, {3}}) {
            for (float clip : new float[] {1f, 0.9f}) {
                ProcrustesAccumulator acc = new ProcrustesAccumulator(D, bits[0], clip).add(rows, N, weights, massive,
                        r);
                // plain reference: y = x·R in double, then IntQuantizer's symmetric per-row fake quantization
                float[] y = new float[N * D];
                for (int i = 0; i < N; i++) {
                    for (int j = 0; j < D; j++) {
                        double s = 0;
                        for (int k = 0; k < D; k++) {
                            s += (double) rows[i * D + k] * r[k * D + j];
                        }
                        y[i * D + j] = (float) s;
                    }
                }
                float[] q = new float[y.length];
                IntQuantizer.fakeQuantSymmetricPerRow(y, q, N, D, bits[0], clip);
                double expected = 0;
                for (int i = 0; i < y.length; i++) {
                    expected += ((double) y[i] - q[i]) * ((double) y[i] - q[i]);
                }
                assertThat(acc.loss().weightedCommon()).as("%d bits, clip %s: loss = ‖Y − Q(Y)‖² with that quantizer",
                        bits[0], clip).isCloseTo(expected, within(1e-3 * expected));
            }
        }
        double four = new ProcrustesAccumulator(D).add(rows, N, weights, massive, r).loss().weightedCommon();
        double eight = new ProcrustesAccumulator(D, 8, 1f).add(rows, N, weights, massive, r).loss().weightedCommon();
        assertThat(eight).as("8 bits quantize far finer than DFRot's default 4").isLessThan(four / 100);
        assertThatThrownBy(() -> new ProcrustesAccumulator(D).merge(new ProcrustesAccumulator(D, 8, 1f)))
                .as("partials of different quantizers must not be summed")
                .hasMessageContaining("different loss quantizers");
    }
}
