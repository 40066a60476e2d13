package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.QuantizationError;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** QuaRot's weight clip search: the grid, a closed-form case, and "never worse than clip 1" on outliers. */
class WeightClipSearchTest {

    @Test
    void gridIsQuarotsOneMinusIOverHundredForIBelowEighty() {
        float[] grid = WeightClipSearch.shrinkGrid();
        assertThat(grid).as("range(int(0.8 * 100)) gives 80 shrinks").hasSize(80);
        assertThat(grid[0]).as("the search starts unclipped").isEqualTo(1f);
        assertThat(grid[1]).isEqualTo(0.99f);
        assertThat(grid[79]).as("the last shrink is 1 − 79/100 (0.2 itself is excluded)").isEqualTo(0.21f);
        for (int i = 0; i < grid.length; i++) {
            assertThat(grid[i]).as("p_%d = 1 − %d/100", i, i).isEqualTo((float) (1 - i / 100.0));
        }
    }

    @Test
    void anOutlierRowPicksTheClosedFormShrink() {
        // one row: 10 then 200 ones, INT4 symmetric (maxq 7). For p ≥ 0.7, s = 10p/7 ≤ 2 so every 1 maps to
        // code 1 and 10 clamps to code 7: f(p) = (10(1 − p))^2.4 + 200 · |1 − 10p/7|^2.4.
        int in = 201;
        float[] w = new float[in];
        Arrays.fill(w, 1f);
        w[0] = 10f;
        WeightClipResult result = WeightClipSearch.search(w, 1, in, IntScheme.perRow(4, true, 1f));

        float[] grid = WeightClipSearch.shrinkGrid();
        int argmin = 0;
        for (int i = 0; i < grid.length; i++) {
            if (grid[i] >= 0.7f && closedForm(grid[i]) < closedForm(grid[argmin])) {
                argmin = i;
            }
        }
        float p = result.clipRatios()[0];
        assertThat(p).as("the closed-form minimum (near 0.817) is on the grid").isEqualTo(grid[argmin]);
        assertThat(p).as("the outlier makes clipping win").isLessThan(1f);
        assertThat(result.errors()[0]).as("chosen objective").isCloseTo(closedForm(p), within(1e-4));
        assertThat(result.errorsAtClipOne()[0]).as("p = 1: 10 exact, every 1 off by 3/7")
                .isCloseTo(200 * Math.pow(3.0 / 7, 2.4), within(1e-3));
        float s = result.scales().scales()[0];
        assertThat(s).as("s = p · 10 / 7").isCloseTo(p * 10f / 7f, within(1e-6f));
        assertThat(result.quantized()[0]).as("10 clamps to code 7").isCloseTo(7 * s, within(1e-6f));
        assertThat(result.quantized()[1]).as("1 maps to code 1").isCloseTo(s, within(1e-6f));
    }

    private static double closedForm(double p) {
        return Math.pow(10 * (1 - p), 2.4) + 200 * Math.pow(Math.abs(1 - 10 * p / 7), 2.4);
    }

    @Test
    void neverWorseThanClipOneOnRandomWeightsWithOutliers() {
        int out = 24;
        int in = 128;
        float[] w = randomWithOutliers(new Random(5), out, in);
        for (IntScheme scheme : new IntScheme[] {IntScheme.perRow(4, true, 1f), IntScheme.perGroup(4, true, 32, 1f),
                IntScheme.perRow(3, true, 0.5f)}) {
            WeightClipResult result = WeightClipSearch.search(w, out, in, scheme);
            IntScheme one = scheme.forWeights().withClipRatio(1f);
            float[] rtn = new float[out * in];
            IntQuantizer.fakeQuant(w, rtn, out, in, one);
            int slots = one.scaleCount(out, in);
            int run = in * out / slots;
            int clipped = 0;
            for (int slot = 0; slot < slots; slot++) {
                double plain = QuantizationError.sumPowError(w, rtn, slot * run, run, 2.4);
                assertThat(result.errorsAtClipOne()[slot]).as("%s slot %d: clip-1 error", scheme, slot)
                        .isEqualTo(plain);
                assertThat(result.errors()[slot]).as("%s slot %d: never worse than clip 1", scheme, slot)
                        .isLessThanOrEqualTo(plain);
                double got = QuantizationError.sumPowError(w, result.quantized(), slot * run, run, 2.4);
                assertThat(got).as("%s slot %d: the returned W has the reported error", scheme, slot)
                        .isEqualTo(result.errors()[slot]);
                clipped += result.clipRatios()[slot] < 1f ? 1 : 0;
            }
            assertThat(clipped).as("%s: outliers make some slots clip", scheme).isPositive();
            float[] again = new float[out * in];
            IntQuantizer.fakeQuant(w, again, out, in, one, result.scales());
            assertThat(again).as("%s: the returned scales reproduce the returned W", scheme)
                    .containsExactly(result.quantized());
            for (float v : result.scales().scales()) {
                assertThat(v).as("%s: weight floor", scheme).isGreaterThanOrEqualTo(IntScheme.WEIGHT_MIN_SCALE);
            }
        }
    }

    @Test
    void zeroRowsKeepTheWeightFloorAndStayZero() {
        float[] w = new float[2 * 8];
        w[8] = 1e-7f;
        WeightClipResult result = WeightClipSearch.search(w, 2, 8, IntScheme.perRow(4, true, 1f));
        for (float v : result.scales().scales()) {
            assertThat(v).as("tiny / zero rows hit the 1e-5 floor or the zero guard").isGreaterThanOrEqualTo(1e-5f);
        }
        assertThat(result.quantized()[0]).as("zero stays zero").isZero();
        assertThat(result.clipRatios()).as("ties keep the larger p").containsExactly(1f, 1f);
    }

    @Test
    void rejectsAsymmetricAndPerColumnSchemesInOneLine() {
        float[] w = new float[16];
        assertThatThrownBy(() -> WeightClipSearch.search(w, 2, 8, IntScheme.perRow(4, false, 1f)))
                .hasMessageStartingWith("Cannot search weight clip ratios for an asymmetric scheme");
        assertThatThrownBy(() -> WeightClipSearch.search(w, 2, 8, IntScheme.perColumn(4, true, 1f)))
                .hasMessageStartingWith("Cannot search weight clip ratios per column");
        assertThatThrownBy(() -> WeightClipSearch.search(w, 2, 8, IntScheme.perGroup(4, true, 3, 1f)))
                .hasMessageStartingWith("Cannot quantize 8 columns");
    }

    static float[] randomWithOutliers(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
            if (rnd.nextInt(40) == 0) {
                x[i] *= 12f; // heavy tail: a few outliers per row
            }
        }
        return x;
    }
}
