package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntScheme;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The activation clip-ratio sweep of one linear input, summed over blocks of calibration rows: for each of
 * DFRot's 21 ratios 0.60 … 1.00 the squared fake-quantization error Σ (x − Q_r(x))² of dynamic asymmetric
 * b-bit quantization (per token, or per group along the row for the KV cache), plus the row count.
 * Rows are independent under these schemes, so partial sums over disjoint row sets add up: partitions
 * {@link #add} their rows, Spark's treeAggregate {@link #merge}s, the driver reads {@link #result()}, which
 * equals {@link ClipRatioSweep#sweep} over all rows (up to the order of the double additions).
 *
 * <p>State is plain numbers and arrays (Serializable); sums are in double.
 */
public final class ClipSweepAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int d;
    private final int bits;
    private final int groupSize; // 0: per token; else groups of groupSize along the row
    private final double[] errors; // (21) Σ (x − Q_r(x))² per ratio
    private long rows;

    /** Per-token asymmetric {@code bits}-bit quantization of rows of width {@code d} (ActivationClipSearch). */
    public ClipSweepAccumulator(int d, int bits) {
        this(d, bits, 0);
    }

    /**
     * Per-group asymmetric quantization, groups of {@code groupSize} along the row (0 = the whole row).
     *
     * @param d width of the rows
     */
    public ClipSweepAccumulator(int d, int bits, int groupSize) {
        checkArgument(d > 0, "Cannot accumulate a clip sweep over rows of width %d: the width must be > 0", d);
        checkArgument(groupSize >= 0 && (groupSize == 0 || d % groupSize == 0),
                "Cannot accumulate a clip sweep with groups of %d over rows of width %d: groups must tile the row",
                groupSize, d);
        this.d = d;
        this.bits = bits;
        this.groupSize = groupSize;
        this.errors = new double[ClipRatioSweep.POINTS];
        scheme(); // validates bits
    }

    /** The asymmetric scheme whose ratio is swept (clip ratio 1; the sweep replaces it). */
    public IntScheme scheme() {
        return groupSize == 0 ? IntScheme.perRow(bits, false, 1f) : IntScheme.perGroup(bits, false, groupSize, 1f);
    }

    /**
     * Adds a block of rows.
     *
     * @param x (nRows, d) row-major rows; only the first nRows · d values are read
     */
    public ClipSweepAccumulator add(float[] x, int nRows) {
        checkArgument(nRows >= 0 && x.length >= Math.multiplyExact((long) nRows, d),
                "Cannot add %d rows of width %d to a clip sweep: the array holds %d values (need nRows >= 0 "
                        + "and nRows · d values)", nRows, d, x.length);
        if (nRows == 0) {
            return this;
        }
        double[] block = ClipRatioSweep.errors(x, nRows, d, scheme(), ClipRatioSweep.dfrotRatios());
        for (int k = 0; k < errors.length; k++) {
            errors[k] += block[k];
        }
        rows += nRows;
        return this;
    }

    /** Adds another accumulator's sums (same width, bits and groups) into this one. */
    public ClipSweepAccumulator merge(ClipSweepAccumulator other) {
        checkArgument(other.d == d && other.bits == bits && other.groupSize == groupSize,
                "Cannot merge a clip sweep of (d %d, %d bits, group %d) into one of (d %d, %d bits, group %d): "
                        + "accumulate each linear input separately", other.d, other.bits, other.groupSize, d, bits,
                groupSize);
        for (int k = 0; k < errors.length; k++) {
            errors[k] += other.errors[k];
        }
        rows += other.rows;
        return this;
    }

    /** Back to no rows. */
    public ClipSweepAccumulator zero() {
        Arrays.fill(errors, 0);
        rows = 0;
        return this;
    }

    /** Rows added so far. */
    public long rows() {
        return rows;
    }

    /** Row width. */
    public int width() {
        return d;
    }

    /** The curve over DFRot's 21 ratios and its minimum. */
    public ClipSweep result() {
        checkArgument(rows > 0, "Cannot choose a clip ratio from no rows: add calibration rows first");
        return new ClipSweep(ClipRatioSweep.dfrotRatios(), errors.clone());
    }
}
