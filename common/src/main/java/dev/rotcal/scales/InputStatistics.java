package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What the scales stage needs to know about one linear input of one layer, summed over calibration rows so that
 * partitions merge exactly (split equals whole): the row count, the squared error of per-token asymmetric
 * activation quantization at each ratio of DFRot's clip sweep, the per-channel max |x| (for static scales and
 * the FP4 activation global scale), optionally the GPTQ Hessian sums, and optionally a sample of rows (the first
 * rows of the lowest block, so the sample does not depend on the merge order).
 */
public final class InputStatistics implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int width;
    private final int bits;
    private long rows;
    private final ClipSweepAccumulator sweep;   // null when not measured
    private final ChannelRangeAccumulator ranges;
    private final HessianAccumulator hessian; // null when not asked for
    private final int sampleCapacity;
    private float[] sample;                  // (sampleRows, width) row-major, or null
    private int sampleRows;
    private long sampleOrder = Long.MAX_VALUE; // block order the sample came from; the lowest wins

    /**
     * @param width          the input width (hidden, heads × head_dim or intermediate)
     * @param bits           bits of the per-token asymmetric activation quantizer of the sweep
     * @param sweep          measure the clip sweep (off for rows that are rotated later)
     * @param hessian        also sum XᵀX for GPTQ
     * @param sampleCapacity rows of the sample to keep (0 = none)
     */
    public InputStatistics(int width, int bits, boolean sweep, boolean hessian, int sampleCapacity) {
        checkArgument(width > 0 && bits >= 2 && bits <= 8 && sampleCapacity >= 0,
                "Cannot collect input statistics of width %d at %d bits keeping %d rows", width, bits, sampleCapacity);
        this.width = width;
        this.bits = bits;
        this.sweep = sweep ? new ClipSweepAccumulator(width, bits) : null;
        this.ranges = new ChannelRangeAccumulator(width);
        this.hessian = hessian ? new HessianAccumulator(width) : null;
        this.sampleCapacity = sampleCapacity;
    }

    /**
     * Adds a block of rows.
     *
     * @param x     (n, width) row-major rows of the rotated model's input
     * @param order the block's place in the calibration data (its sample wins over higher ones)
     */
    public InputStatistics add(float[] x, int n, long order) {
        checkArgument(x.length >= (long) n * width, "Cannot add %d rows of width %d: the array holds %d floats", n,
                width, x.length);
        if (sweep != null) {
            sweep.add(x, n);
        }
        ranges.add(x, n);
        if (hessian != null) {
            hessian.add(x, n);
        }
        if (sampleCapacity > 0 && order < sampleOrder && n > 0) {
            sampleRows = Math.min(n, sampleCapacity);
            sample = Arrays.copyOf(x, sampleRows * width);
            sampleOrder = order;
        }
        rows += n;
        return this;
    }

    /** Adds another partition's statistics (same width and options) into this one. */
    public InputStatistics merge(InputStatistics other) {
        checkArgument(other.width == width && other.bits == bits && (other.sweep == null) == (sweep == null)
                        && (other.hessian == null) == (hessian == null)
                        && other.sampleCapacity == sampleCapacity,
                "Cannot merge input statistics of width %d / %d bits into width %d / %d bits", other.width,
                other.bits, width, bits);
        if (sweep != null) {
            sweep.merge(other.sweep);
        }
        ranges.merge(other.ranges);
        if (hessian != null) {
            hessian.merge(other.hessian);
        }
        if (other.sampleOrder < sampleOrder) {
            sample = other.sample;
            sampleRows = other.sampleRows;
            sampleOrder = other.sampleOrder;
        }
        rows += other.rows;
        return this;
    }

    /**
     * These statistics without the Hessian sums (which travel separately, as {@link HessianBand}s); the rest is
     * shared, not copied.
     */
    public InputStatistics withoutHessian() {
        InputStatistics copy = new InputStatistics(this, null);
        return copy;
    }

    /** These statistics with the given Hessian sums instead of their own (the rest shared, not copied). */
    public InputStatistics withHessian(HessianAccumulator hessian) {
        checkArgument(hessian == null || hessian.in() == width,
                "Cannot attach a Hessian of width %d to input statistics of width %d", hessian == null ? 0 : hessian.in(),
                width);
        return new InputStatistics(this, hessian);
    }

    private InputStatistics(InputStatistics from, HessianAccumulator hessian) {
        this.width = from.width;
        this.bits = from.bits;
        this.rows = from.rows;
        this.sweep = from.sweep;
        this.ranges = from.ranges;
        this.hessian = hessian;
        this.sampleCapacity = from.sampleCapacity;
        this.sample = from.sample;
        this.sampleRows = from.sampleRows;
        this.sampleOrder = from.sampleOrder;
    }

    public int width() {
        return width;
    }

    public long rows() {
        return rows;
    }

    /** The clip sweep: Σ squared error at each of DFRot's 21 ratios; the best ratio minimizes it. */
    public ClipSweep sweep() {
        checkState(sweep != null, "[BUG] the clip sweep of these statistics was not measured");
        return sweep.result();
    }

    /** Per-channel and whole-input max |x|. */
    public ChannelRangeAccumulator ranges() {
        return ranges;
    }

    /** (width) per-channel max |x|. */
    public float[] channelAbsMax() {
        return ranges.channelAbsMax();
    }

    /** max |x| over the whole input. */
    public float absMax() {
        return ranges.tensorAbsMax();
    }

    /** The GPTQ Hessian sums, or null when not collected. */
    public HessianAccumulator hessian() {
        return hessian;
    }

    /** (sampleRows, width) the sampled rows, or an empty array. */
    public float[] sample() {
        return sample == null ? new float[0] : sample.clone();
    }

    public int sampleRows() {
        return sampleRows;
    }
}
