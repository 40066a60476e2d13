package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The data side of one DFRot iteration, summed over blocks of rows: C = A_wᵀ·Q(A_w·R) and the loss, where
 * A_w = diag(w)·A are the rows weighted per row (α for massive rows, 1 for common ones). The driver then
 * solves the orthogonal Procrustes problem on C (R = U·Vᵀ of SVD(C)).
 *
 * <p>Per block: Y = A_w·R and C_block = A_wᵀ·B with B = Q(Y) are single-precision GEMMs (the heavy part,
 * 2·n·d² flops each, in {@link ProcrustesBlockKernel}); C sums in float over at most
 * {@link ProcrustesBlockKernel#FLUSH_ROWS} rows, then in double; the losses accumulate in double. The state
 * is plain arrays and numbers (no native memory) so the accumulator can travel through Spark's
 * treeAggregate ({@link #add} / {@link #merge} / {@link #zero}).
 */
public final class ProcrustesAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int d;
    private final int bits;         // the loss quantizer: symmetric per row, bits and clip ratio
    private final float clipRatio;
    private final double[] c; // (d, d) row-major Σ A_wᵀ·Q(A_w·R)
    private double weightedCommon;
    private double weightedMassive;
    private double squaredCommon;
    private double squaredMassive;
    private double errorCommon;
    private double errorMassive;
    private long commonRows;
    private long massiveRows;

    /** An accumulator with DFRot's loss quantizer: 4 bits, symmetric per row, clip ratio 1. */
    public ProcrustesAccumulator(int d) {
        this(d, LossQuantizer.BITS, LossQuantizer.CLIP_RATIO);
    }

    /** An accumulator whose loss quantizer has {@code bits} (2..8) and {@code clipRatio} (0, 1]. */
    public ProcrustesAccumulator(int d, int bits, float clipRatio) {
        checkArgument(d > 0, "Cannot accumulate rows of width %d: d must be > 0", d);
        checkArgument(bits >= 2 && bits <= 8, "Cannot quantize the loss to %d bits: supported 2..8", bits);
        checkArgument(clipRatio > 0 && clipRatio <= 1, "Cannot quantize the loss with clip ratio %s: must be in "
                + "(0, 1]", clipRatio);
        this.d = d;
        this.bits = bits;
        this.clipRatio = clipRatio;
        this.c = new double[Math.multiplyExact(d, d)];
    }

    /** Bits of the loss quantizer. */
    public int bits() {
        return bits;
    }

    /** Clip ratio of the loss quantizer. */
    public float clipRatio() {
        return clipRatio;
    }

    /**
     * Adds a block of rows at the current rotation. Each call converts R and allocates its native scratch:
     * to add many blocks at one rotation, use one {@link ProcrustesBlockKernel} for all of them.
     *
     * @param rows    (nRows, d) row-major un-weighted rows A
     * @param weights (nRows) per-row weight w (α for massive rows, 1 for common ones), finite and > 0
     * @param massive (nRows) row classes, for the loss split
     * @param r       (d, d) row-major current rotation R
     * @return this
     */
    public ProcrustesAccumulator add(float[] rows, int nRows, float[] weights, boolean[] massive, double[] r) {
        ProcrustesBlockKernel.checkRotation(r, d);
        checkArgument(nRows >= 0, "Cannot add %d rows: the count must be >= 0", nRows);
        if (nRows == 0) {
            return this;
        }
        int blockRows = Math.min(nRows, ProcrustesBlockKernel.DEFAULT_BLOCK_ROWS);
        try (ProcrustesBlockKernel kernel = new ProcrustesBlockKernel(this, r, blockRows)) {
            kernel.add(rows, 0, nRows, weights, massive);
        }
        return this;
    }

    /**
     * One row's loss: weightedSquared = ‖w·x·R − Q(w·x·R)‖² = w²·‖x·R − Q(x·R)‖² (Q is scale-equivariant).
     */
    void addRowLoss(double weightedSquared, float weight, boolean massive) {
        double squared = weightedSquared / ((double) weight * weight);
        if (massive) {
            weightedMassive += weightedSquared;
            squaredMassive += squared;
            errorMassive += Math.sqrt(squared);
            massiveRows++;
        } else {
            weightedCommon += weightedSquared;
            squaredCommon += squared;
            errorCommon += Math.sqrt(squared);
            commonRows++;
        }
    }

    /** C[offset, offset + length) += values[0, length), float partial sums into the double C. */
    void addToCrossProduct(int offset, float[] values, int length) {
        for (int k = 0; k < length; k++) {
            c[offset + k] += values[k];
        }
    }

    /** Adds another accumulator's sums (same d) into this one. */
    public ProcrustesAccumulator merge(ProcrustesAccumulator other) {
        checkArgument(other.d == d, "Cannot merge an accumulator of width %d into one of width %d", other.d, d);
        checkArgument(other.bits == bits && other.clipRatio == clipRatio, "Cannot merge accumulators of different "
                + "loss quantizers: %d bits clip %s into %d bits clip %s", other.bits, other.clipRatio, bits, clipRatio);
        for (int k = 0; k < c.length; k++) {
            c[k] += other.c[k];
        }
        weightedCommon += other.weightedCommon;
        weightedMassive += other.weightedMassive;
        squaredCommon += other.squaredCommon;
        squaredMassive += other.squaredMassive;
        errorCommon += other.errorCommon;
        errorMassive += other.errorMassive;
        commonRows += other.commonRows;
        massiveRows += other.massiveRows;
        return this;
    }

    /** Back to no rows. */
    public ProcrustesAccumulator zero() {
        Arrays.fill(c, 0);
        weightedCommon = 0;
        weightedMassive = 0;
        squaredCommon = 0;
        squaredMassive = 0;
        errorCommon = 0;
        errorMassive = 0;
        commonRows = 0;
        massiveRows = 0;
        return this;
    }

    public int d() {
        return d;
    }

    /** A copy of C = Σ A_wᵀ·Q(A_w·R), (d, d) row-major: the input of the Procrustes solve. */
    public double[] crossProduct() {
        return c.clone();
    }

    /** The loss of the rows added so far. */
    public ProcrustesLoss loss() {
        return new ProcrustesLoss(weightedCommon, weightedMassive, squaredCommon, squaredMassive,
                new ClassErrorSums(errorCommon, commonRows, errorMassive, massiveRows));
    }
}
