package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-channel ranges of one linear's input rows, for static scales: max_t |x_tc| per channel c, the tensor
 * amax (their max) and the row count. A max is exact in float, so split and whole agree bit for bit.
 * Mergeable ({@link #add} / {@link #merge} / {@link #zero}) and Serializable; NaN / Inf rows are refused.
 */
public final class ChannelRangeAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int d;
    private final float[] absMax; // (d) max |x| per channel
    private long rows;

    /** An empty accumulator for rows of width {@code d}. */
    public ChannelRangeAccumulator(int d) {
        checkArgument(d > 0, "Cannot accumulate channel ranges of width %d: the width must be > 0", d);
        this.d = d;
        this.absMax = new float[d];
    }

    /**
     * Adds a block of rows.
     *
     * @param x (nRows, d) row-major activation rows; only the first nRows · d values are read
     */
    public ChannelRangeAccumulator add(float[] x, int nRows) {
        checkArgument(nRows >= 0 && x.length >= Math.multiplyExact((long) nRows, d),
                "Cannot add %d rows of width %d to channel ranges: the array holds %d values", nRows, d, x.length);
        for (int r = 0; r < nRows; r++) {
            int off = r * d;
            for (int c = 0; c < d; c++) {
                absMax[c] = Math.max(absMax[c], Math.abs(x[off + c]));
            }
        }
        for (int c = 0; c < d; c++) {
            if (!Float.isFinite(absMax[c])) {
                checkArgument(false,
                        "Cannot add rows to channel ranges: channel %d holds %s (check the activations for NaN / Inf)",
                        c, absMax[c]);
            }
        }
        rows += nRows;
        return this;
    }

    /** Takes the element-wise max with another accumulator of the same width. */
    public ChannelRangeAccumulator merge(ChannelRangeAccumulator other) {
        checkArgument(other.d == d, "Cannot merge channel ranges of width %d into width %d", other.d, d);
        for (int c = 0; c < d; c++) {
            absMax[c] = Math.max(absMax[c], other.absMax[c]);
        }
        rows += other.rows;
        return this;
    }

    /** Back to no rows. */
    public ChannelRangeAccumulator zero() {
        Arrays.fill(absMax, 0f);
        rows = 0;
        return this;
    }

    /** Row width (channels). */
    public int width() {
        return d;
    }

    /** Rows added so far. */
    public long rows() {
        return rows;
    }

    /** A copy of max |x| per channel, (d). */
    public float[] channelAbsMax() {
        return absMax.clone();
    }

    /** max |x| over all channels (the tensor amax). */
    public float tensorAbsMax() {
        float amax = 0f;
        for (float v : absMax) {
            amax = Math.max(amax, v);
        }
        return amax;
    }
}
