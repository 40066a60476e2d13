package dev.rotcal.jobs.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import dev.rotcal.scales.InputStatistics;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearInput;
import dev.rotcal.scales.RotatedInput;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The driver's change of basis in the scales stage ({@link ScalesStage#rotatedInputs}): attn_in and mlp_in, kept
 * un-rotated by the capture, come out as the statistics of x · R1 (Hessian R1ᵀ·H·R1 equal to 2·(xR1)ᵀ(xR1) / N
 * from explicitly rotated rows, sample x · R1, max |x| and sweep from the rotated-rows pass); o_proj_in and
 * down_proj_in pass through.
 */
class ScalesStageRotatedInputsTest {
    private static final DecoderShape SHAPE = new DecoderShape(32, 48, 4, 2, 8, 1e-6);
    private static final int ROWS = 30;
    private static final int SAMPLE = 6;

    @Test
    void attnAndMlpInputsAreConjugatedByR1AndTheOthersPassThrough() {
        Random random = new Random(31);
        int d = SHAPE.hidden();
        LayerCaptures c = new LayerCaptures(gaussian(random, ROWS * d), gaussian(random, ROWS * d),
                new float[ROWS], new float[ROWS], gaussian(random, ROWS * SHAPE.qWidth()),
                gaussian(random, ROWS * SHAPE.intermediate()), gaussian(random, ROWS * SHAPE.kvWidth()),
                gaussian(random, ROWS * SHAPE.kvWidth()));
        LayerStatistics stats = new LayerStatistics(2, SHAPE, new LayerStatistics.Options(4, 4, true, SAMPLE))
                .addBlock(c, ROWS, 0);
        double[] r1 = RandomizedHadamard.matrix(d, 5);
        Map<LinearInput, double[]> rotatedRows = Map.of(LinearInput.ATTN_IN, times(c.attentionInput(), r1, d),
                LinearInput.MLP_IN, times(c.mlpInput(), r1, d));
        Map<RotatedInputsStage.Key, InputStatistics> pass = new HashMap<>();
        pass.put(new RotatedInputsStage.Key(2, RowSite.ATTENTION_INPUT, ScalesStage.DFROT),
                new InputStatistics(d, 4, true, false, 0).add(toFloat(rotatedRows.get(LinearInput.ATTN_IN)), ROWS, 0));
        pass.put(new RotatedInputsStage.Key(2, RowSite.MLP_INPUT, ScalesStage.DFROT),
                new InputStatistics(d, 4, true, false, 0).add(toFloat(rotatedRows.get(LinearInput.MLP_IN)), ROWS, 0));

        Map<LinearInput, RotatedInput> inputs = ScalesStage.rotatedInputs(stats, pass, r1, d);

        for (LinearInput input : new LinearInput[] {LinearInput.ATTN_IN, LinearInput.MLP_IN}) {
            RotatedInput r = inputs.get(input);
            double[] xr = rotatedRows.get(input);
            double[] expected = new double[d * d]; // 2·(xR1)ᵀ(xR1) / N
            for (int i = 0; i < ROWS; i++) {
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        expected[a * d + b] += 2.0 * xr[i * d + a] * xr[i * d + b] / ROWS;
                    }
                }
            }
            double diff = 0;
            double scale = 0;
            for (int i = 0; i < expected.length; i++) {
                diff = Math.max(diff, Math.abs(r.hessian()[i] - expected[i]));
                scale = Math.max(scale, Math.abs(expected[i]));
                assertThat(r.hessian()[i]).as("%s: exactly symmetric", input.key())
                        .isEqualTo(r.hessian()[(i % d) * d + i / d]);
            }
            System.out.printf("%s: R1ᵀ·H·R1 vs the Hessian of x·R1: max |Δ| / max |H| = %.3g%n", input.key(),
                    diff / scale);
            assertThat(diff / scale).as("%s: R1ᵀ·H·R1 is the Hessian of x · R1", input.key()).isLessThan(1e-12);
            assertThat(r.width()).isEqualTo(d);
            assertThat(r.sampleRows()).isEqualTo(SAMPLE);
            for (int i = 0; i < SAMPLE * d; i++) {
                assertThat((double) r.sample()[i]).as("%s sample element %d is x · R1", input.key(), i)
                        .isCloseTo(xr[i], within(1e-6));
            }
            InputStatistics measured = pass.get(new RotatedInputsStage.Key(2, ScalesStage.site(input),
                    ScalesStage.DFROT));
            assertThat(r.channelAbsMax()).as("%s: max |x| from the rotated-rows pass", input.key())
                    .isEqualTo(measured.channelAbsMax());
            assertThat(r.sweep().errors()).as("%s: sweep from the rotated-rows pass", input.key())
                    .isEqualTo(measured.sweep().errors());
        }
        for (LinearInput input : new LinearInput[] {LinearInput.O_PROJ_IN, LinearInput.DOWN_PROJ_IN}) {
            RotatedInput r = inputs.get(input);
            InputStatistics s = stats.input(input);
            assertThat(r.width()).isEqualTo(s.width());
            assertThat(r.hessian()).as("%s passes through", input.key()).isEqualTo(s.hessian().hessian());
            assertThat(r.sample()).isEqualTo(s.sample());
            assertThat(r.channelAbsMax()).isEqualTo(s.channelAbsMax());
            assertThat(r.sweep().errors()).isEqualTo(s.sweep().errors());
        }
    }

    /** (ROWS, d) · (d, d) in double. */
    private static double[] times(float[] x, double[] r, int d) {
        double[] y = new double[ROWS * d];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int l = 0; l < d; l++) {
                    s += x[i * d + l] * r[l * d + j];
                }
                y[i * d + j] = s;
            }
        }
        return y;
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static float[] toFloat(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }
}
