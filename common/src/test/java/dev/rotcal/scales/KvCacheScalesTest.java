package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.QuantizationError;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** KV-cache clip ratios: per-token per-head asymmetric 4-bit groups, K and V swept separately. */
class KvCacheScalesTest {

    @Test
    void headGIsColumnsGTimesHeadDimAndQuantizedOnItsOwn() {
        int n = 40;
        int nKv = 3;
        int hd = 16;
        int d = nKv * hd;
        float[] k = WeightClipSearchTest.randomWithOutliers(new Random(1), n, d);
        float[] v = WeightClipSearchTest.randomWithOutliers(new Random(2), n, d);
        KvClipResult result = KvCacheScales.search(k, v, n, nKv, hd);
        float[] ratios = result.key().ratios();
        for (int r = 0; r < ratios.length; r++) {
            double perHead = 0;
            for (int g = 0; g < nKv; g++) {
                float[] head = new float[n * hd]; // (n, hd): columns [g·hd, (g+1)·hd) of K
                for (int t = 0; t < n; t++) {
                    System.arraycopy(k, t * d + g * hd, head, t * hd, hd);
                }
                float[] q = new float[n * hd];
                IntQuantizer.fakeQuant(head, q, n, hd, IntScheme.perRow(4, false, ratios[r]));
                perHead += QuantizationError.sumSquaredError(head, q, 0, n * hd);
            }
            assertThat(result.key().errors()[r]).as("ratio %s: K error is the sum of per-head per-token errors",
                    ratios[r]).isCloseTo(perHead, within(1e-9 * perHead));
        }
    }

    @Test
    void chosenRatiosAreNeverWorseThanOneAndDeterministic() {
        int n = 64;
        int nKv = 2;
        int hd = 32;
        float[] k = WeightClipSearchTest.randomWithOutliers(new Random(7), n, nKv * hd);
        float[] v = WeightClipSearchTest.randomWithOutliers(new Random(8), n, nKv * hd);
        KvClipResult result = KvCacheScales.search(k, v, n, nKv, hd);
        for (ClipSweep sweep : new ClipSweep[] {result.key(), result.value()}) {
            assertThat(sweep.bestError()).as("ratio %s vs 1.0", sweep.bestRatio())
                    .isLessThanOrEqualTo(sweep.errorAtLargestRatio());
            assertThat(sweep.ratios()).as("DFRot's sweep").containsExactly(ClipRatioSweep.dfrotRatios());
        }
        KvClipResult again = KvCacheScales.search(k, v, n, nKv, hd);
        assertThat(again.key().errors()).as("deterministic K").containsExactly(result.key().errors());
        assertThat(again.value().errors()).as("deterministic V").containsExactly(result.value().errors());
    }

    @Test
    void rejectsEmptyHeadsInOneLine() {
        assertThatThrownBy(() -> KvCacheScales.search(new float[0], new float[0], 4, 0, 16))
                .hasMessage("Cannot search KV clip ratios with 0 KV heads of dim 16: both must be > 0");
    }
}
