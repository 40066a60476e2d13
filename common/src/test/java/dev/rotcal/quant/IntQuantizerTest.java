package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** IntQuantizer against plain per-element reference implementations, and the s/2 round-trip bound. */
class IntQuantizerTest {

    // ---- the DFRot loss quantizer (signature and semantics frozen) ----

    /** Plain reference of FORMATS.md's symmetric per-row rule, written element by element. */
    private static float[] referenceSymmetricPerRow(float[] x, int rows, int cols, int bits, float clip) {
        float[] out = new float[rows * cols]; // (rows, cols)
        int maxq = (1 << (bits - 1)) - 1;
        for (int r = 0; r < rows; r++) {
            float amax = 0f;
            for (int c = 0; c < cols; c++) {
                if (Math.abs(x[r * cols + c]) > amax) {
                    amax = Math.abs(x[r * cols + c]);
                }
            }
            float s = clip * amax / maxq;
            if (s == 0f) {
                s = 1f;
            }
            for (int c = 0; c < cols; c++) {
                double q = Math.rint(x[r * cols + c] / s);
                if (q > maxq) {
                    q = maxq;
                }
                if (q < -(maxq + 1)) {
                    q = -(maxq + 1);
                }
                out[r * cols + c] = (float) q * s;
            }
        }
        return out;
    }

    @Test
    void fakeQuantSymmetricPerRowMatchesReferenceWithZeroRowAndTies() {
        int rows = 6;
        int cols = 8;
        float[] x = new float[rows * cols]; // (6, 8)
        Random rng = new Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian() * 3f;
        }
        // row 1: all zero → scale 1, output 0
        for (int c = 0; c < cols; c++) {
            x[cols + c] = 0f;
        }
        // row 2: amax 7 → s = 1, so every x.5 is a tie: rint goes to the even integer
        float[] ties = {7f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f};
        System.arraycopy(ties, 0, x, 2 * cols, cols);
        // row 3: amax 14 → s = 2: 1/2, 3/2, 5/2, −7/2 are ties
        float[] ties2 = {14f, 1f, 3f, 5f, -1f, -3f, -7f, 0f};
        System.arraycopy(ties2, 0, x, 3 * cols, cols);

        for (int bits : new int[] {2, 4, 8}) {
            for (float clip : new float[] {1f, 0.9f, 0.6f}) {
                float[] actual = new float[x.length];
                IntQuantizer.fakeQuantSymmetricPerRow(x, actual, rows, cols, bits, clip);
                assertThat(actual).as("bits %d clip %s vs reference", bits, clip)
                        .containsExactly(referenceSymmetricPerRow(x, rows, cols, bits, clip), within(0f));
            }
        }

        float[] out = new float[x.length];
        IntQuantizer.fakeQuantSymmetricPerRow(x, out, rows, cols, 4, 1f);
        assertThat(java.util.Arrays.copyOfRange(out, cols, 2 * cols)).as("a zero row stays zero (scale 1)")
                .containsOnly(0f);
        // hand-worked: rint(0.5) = 0, rint(1.5) = 2, rint(2.5) = 2, rint(3.5) = 4 (ties to even)
        assertThat(java.util.Arrays.copyOfRange(out, 2 * cols, 3 * cols)).as("ties round half to even, s = 1")
                .containsExactly(new float[] {7f, 0f, 2f, 2f, 0f, -2f, -2f, 4f}, within(0f));
        // s = 2: 0.5 → 0, 1.5 → 2, 2.5 → 2, −3.5 → −4
        assertThat(java.util.Arrays.copyOfRange(out, 3 * cols, 4 * cols)).as("ties round half to even, s = 2")
                .containsExactly(new float[] {14f, 0f, 4f, 4f, 0f, -4f, -8f, 0f}, within(0f));
    }

    @Test
    void fakeQuantSymmetricPerRowWorksInPlace() {
        float[] x = {1f, -2f, 3.3f, 0.1f, 0f, 5f, -5f, 2.5f}; // (2, 4)
        float[] expected = referenceSymmetricPerRow(x, 2, 4, 4, 1f);
        IntQuantizer.fakeQuantSymmetricPerRow(x, x, 2, 4, 4, 1f);
        assertThat(x).as("dst may alias src").containsExactly(expected, within(0f));
    }

    // ---- the general INT quantizer ----

    /** Slot of element (r, c) for a granularity. */
    private static int slot(IntScheme scheme, int r, int c, int cols) {
        return switch (scheme.granularity()) {
            case PER_ROW -> r;
            case PER_COLUMN -> c;
            case PER_GROUP -> r * (cols / scheme.groupSize()) + c / scheme.groupSize();
        };
    }

    /**
     * Plain reference (QuaRot's find_params + quantize, element by element): the slot range is rescanned for
     * every element.
     */
    private static float[] referenceFakeQuant(float[] x, int rows, int cols, IntScheme scheme, byte[] codes) {
        float[] out = new float[rows * cols]; // (rows, cols)
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int me = slot(scheme, r, c, cols);
                float min = 0f;
                float max = 0f;
                for (int rr = 0; rr < rows; rr++) {
                    for (int cc = 0; cc < cols; cc++) {
                        if (slot(scheme, rr, cc, cols) == me) {
                            min = Math.min(min, x[rr * cols + cc]);
                            max = Math.max(max, x[rr * cols + cc]);
                        }
                    }
                }
                float xmin = min * scheme.clipRatio();
                float xmax = max * scheme.clipRatio();
                float s;
                float z;
                float qmin;
                float qmax;
                if (scheme.symmetric()) {
                    int maxq = (1 << (scheme.bits() - 1)) - 1;
                    s = Math.max(Math.abs(xmin), xmax) / maxq;
                    if (s == 0f) {
                        s = 1f;
                    }
                    z = 0f;
                    qmin = -(maxq + 1);
                    qmax = maxq;
                } else {
                    int maxq = (1 << scheme.bits()) - 1;
                    if (xmin == 0f && xmax == 0f) {
                        xmin = -1f;
                        xmax = 1f;
                    }
                    s = (xmax - xmin) / maxq;
                    z = 0f; // set after the clamp below
                    qmin = 0;
                    qmax = maxq;
                }
                s = Math.max(s, scheme.minScale());
                if (!scheme.symmetric()) {
                    z = (float) Math.rint(-xmin / s);
                }
                float q = (float) Math.rint(x[r * cols + c] / s) + z;
                q = Math.max(qmin, Math.min(qmax, q));
                codes[r * cols + c] = (byte) (int) q;
                out[r * cols + c] = s * (q - z);
            }
        }
        return out;
    }

    private static List<IntScheme> schemes() {
        List<IntScheme> all = new ArrayList<>();
        for (int bits : new int[] {2, 4, 8}) {
            for (boolean sym : new boolean[] {true, false}) {
                for (float clip : new float[] {1f, 0.8f}) {
                    all.add(IntScheme.perRow(bits, sym, clip));
                    all.add(IntScheme.perColumn(bits, sym, clip));
                    all.add(IntScheme.perGroup(bits, sym, 8, clip));
                    all.add(IntScheme.perGroup(bits, sym, 8, clip).forWeights());
                }
            }
        }
        return all;
    }

    /** Gaussian rows with a few outlier channels, a zero row and an all-positive row. */
    private static float[] randomBlock(int rows, int cols, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        for (int r = 0; r < rows; r++) {
            x[r * cols + rng.nextInt(cols)] *= 20f; // an outlier per row
        }
        java.util.Arrays.fill(x, 0, cols, 0f); // row 0 all zero
        for (int c = 0; c < cols; c++) {
            x[cols + c] = Math.abs(x[cols + c]); // row 1 all >= 0
        }
        return x;
    }

    @Test
    void fakeQuantQuantizeAndDequantizeMatchThePlainReference() {
        int rows = 12;
        int cols = 32;
        float[] x = randomBlock(rows, cols, 11);
        for (IntScheme scheme : schemes()) {
            byte[] expectedCodes = new byte[x.length];
            float[] expected = referenceFakeQuant(x, rows, cols, scheme, expectedCodes);

            float[] fake = new float[x.length];
            IntScales scales = IntQuantizer.fakeQuant(x, fake, rows, cols, scheme);
            assertThat(fake).as("%s fake quant vs reference", scheme).containsExactly(expected, within(0f));

            byte[] codes = new byte[x.length];
            IntQuantizer.quantize(x, codes, rows, cols, scheme, scales);
            assertThat(codes).as("%s codes vs reference", scheme).containsExactly(expectedCodes);

            float[] deq = new float[x.length];
            IntQuantizer.dequantize(codes, deq, rows, cols, scheme, scales);
            assertThat(deq).as("%s dequantize(quantize) == fake quant", scheme).containsExactly(fake, within(0f));
        }
    }

    @Test
    void roundTripErrorIsAtMostHalfAScaleForInRangeValues() {
        int rows = 16;
        int cols = 64;
        for (long seed = 1; seed <= 3; seed++) {
            float[] x = randomBlock(rows, cols, seed);
            for (IntScheme scheme : schemes()) {
                float[] fake = new float[x.length];
                IntScales scales = IntQuantizer.fakeQuant(x, fake, rows, cols, scheme);
                float[][] ranges = slotRanges(x, rows, cols, scheme, scales.size());
                int inRange = 0;
                String firstViolation = null;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        int i = r * cols + c;
                        int k = slot(scheme, r, c, cols);
                        float s = scales.scales()[k];
                        int z = scales.zeroPoints()[k];
                        // in range: inside the slot's clipped range [clip · min(x, 0), clip · max(x, 0)]
                        if (x[i] < scheme.clipRatio() * ranges[0][k] || x[i] > scheme.clipRatio() * ranges[1][k]) {
                            // clipped: saturates to an end of the code range
                            if (fake[i] < s * (scheme.minCode() - z) || fake[i] > s * (scheme.maxCode() - z)) {
                                firstViolation = "clipped x = " + x[i] + " left the code range at " + i;
                            }
                            continue;
                        }
                        inRange++;
                        float slack = 2 * Math.ulp(Math.abs(x[i])) + Math.ulp(s);
                        if (Math.abs(fake[i] - x[i]) > s / 2 + slack) {
                            firstViolation = "|x - Q(x)| = " + Math.abs(fake[i] - x[i]) + " > s/2 = " + s / 2
                                    + " at (" + r + ", " + c + "), x = " + x[i];
                        }
                    }
                }
                assertThat(firstViolation).as("%s (seed %d): in-range error <= s/2", scheme, seed).isNull();
                if (scheme.clipRatio() == 1f) {
                    assertThat(inRange).as("%s with clip 1 every value is in range", scheme).isEqualTo(x.length);
                }
            }
        }
    }

    /** {mins, maxs}: [min(x, 0), max(x, 0)] of every slot. */
    private static float[][] slotRanges(float[] x, int rows, int cols, IntScheme scheme, int slots) {
        float[][] ranges = new float[2][slots]; // (2, slots)
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int k = slot(scheme, r, c, cols);
                ranges[0][k] = Math.min(ranges[0][k], x[r * cols + c]);
                ranges[1][k] = Math.max(ranges[1][k], x[r * cols + c]);
            }
        }
        return ranges;
    }
}
