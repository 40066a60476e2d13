package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** MergeQuant-style static per-channel steps and their migration into the norm gain and the next linear. */
class StaticActivationScalesTest {

    @Test
    void stepsAndMigrationByHand() {
        ChannelRangeAccumulator ranges = new ChannelRangeAccumulator(3).add(new float[] {7f, -14f, 0f, -3f, 1f, 0f}, 2);
        float[] s = StaticActivationScales.steps(ranges, 4, 1f);
        assertThat(s).as("absmax / 7; an all-zero channel gets 1").containsExactly(1f, 2f, 1f);
        assertThat(StaticActivationScales.steps(ranges, 4, 0.5f)).as("clip 0.5 halves the steps")
                .containsExactly(0.5f, 1f, 1f);
        assertThat(StaticActivationScales.migratedGain(new float[] {1f, 1f, 2f}, s)).as("g / s")
                .containsExactly(1f, 0.5f, 2f);
        assertThat(StaticActivationScales.migratedWeights(new float[] {1f, 1f, 1f, 3f, -1f, 0.5f}, 2, 3, s))
                .as("W[:, c] · s_c").containsExactly(1f, 2f, 1f, 3f, -2f, 0.5f);
        float[] codes = new float[3];
        StaticActivationScales.integerInput(new float[] {2.5f, -9.2f, 7.6f}, codes, 1, 3, 4);
        assertThat(codes).as("rint (ties to even), clamped to [−8, 7]").containsExactly(2f, -8f, 7f);
        assertThatThrownBy(() -> StaticActivationScales.steps(new ChannelRangeAccumulator(3), 4, 1f))
                .hasMessageStartingWith("Cannot compute static activation steps from no rows");
    }

    @Test
    void migrationLeavesTheFloatOutputUnchangedAndMakesTheGemmInputInteger() {
        Random rnd = new Random(61);
        int n = 48;
        int d = 64;
        int out = 16;
        float[] h = WeightClipSearchTest.randomWithOutliers(rnd, n, d); // (n, d) residual rows
        float[] gain = new float[d]; // (d)
        for (int c = 0; c < d; c++) {
            gain[c] = (float) (0.5 + rnd.nextDouble());
        }
        float[] w = WeightClipSearchEquivalenceTest.gaussian(rnd, out, d);
        float[] x = rmsNorm(h, n, d, gain);
        float[] steps = StaticActivationScales.steps(new ChannelRangeAccumulator(d).add(x, n), 4, 0.9f);
        float[] xMigrated = rmsNorm(h, n, d, StaticActivationScales.migratedGain(gain, steps));
        float[] wMigrated = StaticActivationScales.migratedWeights(w, out, d, steps);

        double[] y = LayerOutput.exact(x, n, w, out, d);
        double[] yMigrated = LayerOutput.exact(xMigrated, n, wMigrated, out, d);
        assertThat(relativeDistance(yMigrated, y)).as("float output with the steps migrated").isLessThan(1e-6);

        float[] codes = new float[n * d];
        StaticActivationScales.integerInput(xMigrated, codes, n, d, 4);
        for (float q : codes) {
            assertThat(q).as("GEMM input is an INT4 code").isBetween(-8f, 7f).isEqualTo((float) Math.rint(q));
        }
        float[] fake = new float[n * d];
        StaticActivationScales.fakeQuant(x, fake, n, d, steps, 4);
        double[] yInteger = LayerOutput.exact(codes, n, wMigrated, out, d);
        double[] yFake = LayerOutput.exact(fake, n, w, out, d);
        assertThat(relativeDistance(yInteger, yFake)).as("integer GEMM = static fake-quantized layer")
                .isLessThan(1e-5);
        System.out.printf("StaticActivationScales migration: float output moved %.3g relative, integer GEMM vs "
                + "fake quantization %.3g relative%n", relativeDistance(yMigrated, y),
                relativeDistance(yInteger, yFake));
    }

    @Test
    void theChosenClipIsNeverWorseThanClipOne() {
        Random rnd = new Random(62);
        int n = 96;
        int d = 32;
        int out = 8;
        float[] x = WeightClipSearchEquivalenceTest.studentT(rnd, n, d, 3);
        float[] w = WeightClipSearchEquivalenceTest.gaussian(rnd, out, d);
        ChannelRangeAccumulator ranges = new ChannelRangeAccumulator(d).add(x, n);
        ClipSweep sweep = StaticActivationScales.searchClipRatio(x, n, ranges, w, out, 4);
        float[] xq = new float[n * d];
        StaticActivationScales.fakeQuant(x, xq, n, d, StaticActivationScales.steps(ranges, 4, 1f), 4);
        double clipOne = LayerOutput.error(xq, n, d, w, out, LayerOutput.exact(x, n, w, out, d));
        assertThat(sweep.errorAtLargestRatio()).as("the sweep's 1.0 point is the unclipped static error")
                .isEqualTo(clipOne);
        assertThat(sweep.bestError()).as("chosen ratio %s", sweep.bestRatio()).isLessThanOrEqualTo(clipOne);
        assertThat(sweep.bestRatio()).as("Student-t(3) tails make static per-channel INT4 clip").isLessThan(1f);
        System.out.printf("StaticActivationScales student-t(3): clip %s error %.4f vs clip 1.0 %.4f%n",
                sweep.bestRatio(), sweep.bestError(), clipOne);
    }

    /** RMSNorm without epsilon: h / rms(h) · g, rms in double. */
    private static float[] rmsNorm(float[] h, int n, int d, float[] gain) {
        float[] y = new float[n * d]; // (n, d)
        for (int t = 0; t < n; t++) {
            double sq = 0;
            for (int c = 0; c < d; c++) {
                sq += (double) h[t * d + c] * h[t * d + c];
            }
            float inv = (float) (1 / Math.sqrt(sq / d));
            for (int c = 0; c < d; c++) {
                y[t * d + c] = h[t * d + c] * inv * gain[c];
            }
        }
        return y;
    }

    private static double relativeDistance(double[] a, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        return Math.sqrt(diff / norm);
    }
}
