package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.QuantizationError;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** AAC-style per-token activation clip ratio: DFRot's sweep, its minimum, chunking and determinism. */
class ActivationClipSearchTest {

    @Test
    void sweepIsTwentyOnePointsFromPointSixToOne() {
        float[] ratios = ClipRatioSweep.dfrotRatios();
        assertThat(ratios).as("0.6 … 1.0 in steps of 0.02").hasSize(21);
        assertThat(ratios[0]).isEqualTo(0.6f);
        assertThat(ratios[1]).isEqualTo(0.62f);
        assertThat(ratios[10]).isEqualTo(0.8f);
        assertThat(ratios[20]).as("the sweep ends unclipped").isEqualTo(1f);
    }

    @Test
    void chosenRatioIsNeverWorseThanOneAndCurveMatchesDirectQuantization() {
        int n = 300; // crosses the 256-row chunk boundary
        int d = 64;
        float[] x = WeightClipSearchTest.randomWithOutliers(new Random(11), n, d);
        ClipSweep sweep = ActivationClipSearch.search(x, n, d);
        assertThat(sweep.bestError()).as("chosen ratio %s vs 1.0", sweep.bestRatio())
                .isLessThanOrEqualTo(sweep.errorAtLargestRatio());
        assertThat(sweep.bestRatio()).as("heavy tails make per-token INT4 clip").isLessThan(1f);
        float[] ratios = sweep.ratios();
        for (int k = 0; k < ratios.length; k++) {
            float[] q = new float[n * d];
            IntQuantizer.fakeQuant(x, q, n, d, IntScheme.perRow(4, false, ratios[k]));
            assertThat(sweep.errors()[k]).as("ratio %s: chunked sum equals the whole-block error", ratios[k])
                    .isCloseTo(QuantizationError.sumSquaredError(x, q, 0, n * d), within(1e-9 * sweep.errors()[k]));
        }
        ClipSweep again = ActivationClipSearch.search(x.clone(), n, d);
        assertThat(again.errors()).as("deterministic").containsExactly(sweep.errors());
    }

    @Test
    void curvesOfDisjointRowSetsAddUp() {
        int d = 32;
        float[] x = WeightClipSearchTest.randomWithOutliers(new Random(3), 100, d);
        IntScheme scheme = ActivationClipSearch.scheme(4);
        float[] ratios = ClipRatioSweep.dfrotRatios();
        double[] whole = ClipRatioSweep.errors(x, 100, d, scheme, ratios);
        double[] a = ClipRatioSweep.errors(Arrays.copyOfRange(x, 0, 37 * d), 37, d, scheme, ratios);
        double[] b = ClipRatioSweep.errors(Arrays.copyOfRange(x, 37 * d, 100 * d), 63, d, scheme, ratios);
        for (int k = 0; k < ratios.length; k++) {
            assertThat(a[k] + b[k]).as("split equals whole at ratio %s", ratios[k])
                    .isCloseTo(whole[k], within(1e-9 * whole[k]));
        }
    }

    @Test
    void tiesGoToTheLargerRatio() {
        ClipSweep flat = new ClipSweep(new float[] {0.6f, 0.8f, 1f}, new double[] {2, 1, 1});
        assertThat(flat.bestRatio()).as("equal errors: clip less").isEqualTo(1f);
        ClipSweep dip = new ClipSweep(new float[] {0.6f, 0.8f, 1f}, new double[] {2, 0.5, 1});
        assertThat(dip.bestRatio()).isEqualTo(0.8f);
        assertThat(dip.bestError()).isEqualTo(0.5);
    }
}
