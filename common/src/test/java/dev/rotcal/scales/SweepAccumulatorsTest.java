package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The mergeable activation statistics: split-equals-whole, equal to the in-memory searches, Serializable. */
class SweepAccumulatorsTest {

    @Test
    void clipSweepSplitsMergedEqualTheWholeAndActivationClipSearch() throws Exception {
        int n = 613; // crosses the 256-row chunk of ClipRatioSweep
        int d = 64;
        Random rnd = new Random(21);
        float[] x = WeightClipSearchTest.randomWithOutliers(rnd, n, d);
        ClipSweep whole = ActivationClipSearch.search(x, n, d);
        int[] cuts = {0, 5, 5, 300, 611, n}; // one empty piece
        ClipSweepAccumulator merged = new ClipSweepAccumulator(d, 4);
        for (int p = cuts.length - 2; p >= 0; p--) { // merged in reverse order, through serialization
            ClipSweepAccumulator part = new ClipSweepAccumulator(d, 4)
                    .add(Arrays.copyOfRange(x, cuts[p] * d, cuts[p + 1] * d), cuts[p + 1] - cuts[p]);
            merged.merge(roundTrip(part));
        }
        ClipSweep got = merged.result();
        assertThat(merged.rows()).as("every row counted once").isEqualTo(n);
        assertThat(got.ratios()).as("DFRot's 21 ratios").containsExactly(whole.ratios());
        for (int k = 0; k < got.errors().length; k++) {
            assertThat(got.errors()[k]).as("ratio %s: split sum equals the whole", got.ratios()[k])
                    .isCloseTo(whole.errors()[k], within(1e-12 * whole.errors()[k]));
        }
        assertThat(got.bestRatio()).as("same chosen ratio as ActivationClipSearch").isEqualTo(whole.bestRatio());
        ClipSweepAccumulator single = new ClipSweepAccumulator(d, 4).add(x, n);
        assertThat(single.result().errors()).as("one add over all rows is ClipRatioSweep's number exactly")
                .containsExactly(whole.errors());
        assertThat(single.zero().rows()).isZero();
        assertThatThrownBy(single::result).hasMessageStartingWith("Cannot choose a clip ratio from no rows");
    }

    @Test
    void kvSweepSplitsMergedEqualTheWholeAndKvCacheScales() throws Exception {
        int n = 300;
        int nKv = 2;
        int headDim = 16;
        int d = nKv * headDim;
        Random rnd = new Random(22);
        float[] k = WeightClipSearchTest.randomWithOutliers(rnd, n, d);
        float[] v = WeightClipSearchTest.randomWithOutliers(rnd, n, d);
        KvClipResult whole = KvCacheScales.search(k, v, n, nKv, headDim);
        KvSweepAccumulator a = new KvSweepAccumulator(nKv, headDim)
                .add(Arrays.copyOf(k, 123 * d), Arrays.copyOf(v, 123 * d), 123);
        KvSweepAccumulator b = new KvSweepAccumulator(nKv, headDim)
                .add(Arrays.copyOfRange(k, 123 * d, n * d), Arrays.copyOfRange(v, 123 * d, n * d), n - 123);
        KvClipResult got = roundTrip(b).merge(roundTrip(a)).result();
        for (int i = 0; i < ClipRatioSweep.POINTS; i++) {
            assertThat(got.key().errors()[i]).as("K ratio %d", i)
                    .isCloseTo(whole.key().errors()[i], within(1e-12 * whole.key().errors()[i]));
            assertThat(got.value().errors()[i]).as("V ratio %d", i)
                    .isCloseTo(whole.value().errors()[i], within(1e-12 * whole.value().errors()[i]));
        }
        assertThat(got.key().bestRatio()).isEqualTo(whole.key().bestRatio());
        assertThat(got.value().bestRatio()).isEqualTo(whole.value().bestRatio());
        assertThatThrownBy(() -> new ClipSweepAccumulator(d, 4).merge(new ClipSweepAccumulator(d, 4, headDim)))
                .as("a per-token sweep cannot absorb a per-head one")
                .hasMessageStartingWith("Cannot merge a clip sweep");
    }

    @Test
    void channelRangesAreExactAndSplitEqualsWhole() throws Exception {
        float[] x = {1f, -2f, 0f, //
                -3f, 0.5f, 0f, //
                2f, 1f, -0.25f}; // (3, 3)
        ChannelRangeAccumulator whole = new ChannelRangeAccumulator(3).add(x, 3);
        assertThat(whole.channelAbsMax()).as("max |x| per channel").containsExactly(3f, 2f, 0.25f);
        assertThat(whole.tensorAbsMax()).isEqualTo(3f);
        ChannelRangeAccumulator merged = roundTrip(new ChannelRangeAccumulator(3).add(Arrays.copyOf(x, 3), 1))
                .merge(roundTrip(new ChannelRangeAccumulator(3).add(Arrays.copyOfRange(x, 3, 9), 2)));
        assertThat(merged.channelAbsMax()).as("split equals whole, bit for bit")
                .containsExactly(whole.channelAbsMax());
        assertThat(merged.rows()).isEqualTo(3);

        Random rnd = new Random(23);
        float[] big = WeightClipSearchTest.randomWithOutliers(rnd, 500, 48);
        ChannelRangeAccumulator all = new ChannelRangeAccumulator(48).add(big, 500);
        ChannelRangeAccumulator parts = new ChannelRangeAccumulator(48);
        for (int r0 = 0; r0 < 500; r0 += 77) {
            int m = Math.min(77, 500 - r0);
            parts.merge(new ChannelRangeAccumulator(48).add(Arrays.copyOfRange(big, r0 * 48, (r0 + m) * 48), m));
        }
        assertThat(parts.channelAbsMax()).as("random rows in 7 parts").containsExactly(all.channelAbsMax());
        assertThat(parts.tensorAbsMax()).isEqualTo(all.tensorAbsMax());
        float[] nan = {Float.NaN, 0f, 0f};
        assertThatThrownBy(() -> new ChannelRangeAccumulator(3).add(nan, 1))
                .hasMessageStartingWith("Cannot add rows to channel ranges: channel 0 holds NaN");
    }

    @SuppressWarnings("unchecked")
    static <T extends Serializable> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
