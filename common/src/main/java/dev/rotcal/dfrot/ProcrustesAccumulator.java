package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.QuantizationError;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The data side of one DFRot iteration, summed over blocks of rows: C = A_wᵀ·Q(A_w·R) and the loss, where
 * A_w = diag(w)·A are the rows weighted per row (α for massive rows, 1 for common ones). The driver then
 * solves the orthogonal Procrustes problem on C (R = U·Vᵀ of SVD(C)).
 *
 * <p>Per block: Y = A_w·R and C_block = A_wᵀ·B with B = Q(Y) are single-precision GEMMs (the heavy part,
 * 2·n·d² flops each); C and the losses accumulate in double. The state is plain arrays and numbers so the
 * accumulator can travel through Spark's treeAggregate ({@link #add} / {@link #merge} / {@link #zero}).
 */
public final class ProcrustesAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int d;
    private final double[] c; // (d, d) row-major Σ A_wᵀ·Q(A_w·R)
    private double weightedCommon;
    private double weightedMassive;
    private double squaredCommon;
    private double squaredMassive;
    private double errorCommon;
    private double errorMassive;
    private long commonRows;
    private long massiveRows;

    public ProcrustesAccumulator(int d) {
        checkArgument(d > 0, "Cannot accumulate rows of width %d: d must be > 0", d);
        this.d = d;
        this.c = new double[Math.multiplyExact(d, d)];
    }

    /**
     * Adds a block of rows at the current rotation.
     *
     * @param rows    (nRows, d) row-major un-weighted rows A
     * @param weights (nRows) per-row weight w (α for massive rows, 1 for common ones), finite and > 0
     * @param massive (nRows) row classes, for the loss split
     * @param r       (d, d) row-major current rotation R
     * @return this
     */
    public ProcrustesAccumulator add(float[] rows, int nRows, float[] weights, boolean[] massive, double[] r) {
        int size = Math.multiplyExact(nRows, d);
        checkArgument(rows.length >= size && weights.length >= nRows && massive.length >= nRows,
                "Cannot add %d rows of width %d: arrays hold %d floats, %d weights, %d flags", nRows, d, rows.length,
                weights.length, massive.length);
        checkArgument(r.length == c.length, "Cannot add rows at a rotation of %d values: need d² = %d", r.length,
                c.length);

        int bad = firstNonPositiveOrInfinite(weights, nRows);
        checkArgument(bad < 0, "Cannot weight row %d by %s: weights must be finite and > 0 (1 for common rows, "
                + "alpha for massive ones)", bad, bad < 0 ? null : weights[bad]);

        // A_w = diag(w)·A
        float[] weighted = new float[size]; // (nRows, d) row-major
        for (int i = 0; i < nRows; i++) {
            float w = weights[i];
            for (int off = i * d, j = off; j < off + d; j++) {
                weighted[j] = rows[j] * w;
            }
        }
        // Y = A_w·R; B = Q(Y), which freezes the scales and codes
        float[] y = FloatGemm.multiply(weighted, nRows, d, FloatGemm.toFloat(r), d); // (nRows, d)
        float[] b = new float[size];                                                  // (nRows, d)
        LossQuantizer.fakeQuant(y, b, nRows, d);

        // loss: ‖y − b‖² = w²·‖x·R − Q(x·R)‖² by scale-equivariance of Q
        for (int i = 0; i < nRows; i++) {
            double weightedSquared = QuantizationError.sumSquaredError(y, b, i * d, d);
            double w2 = (double) weights[i] * weights[i];
            double squared = weightedSquared / w2;
            if (massive[i]) {
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

        // C += A_wᵀ·B, a float GEMM over the block, summed in double across blocks
        float[] block = FloatGemm.transposeMultiply(weighted, nRows, d, b, d); // (d, d)
        for (int k = 0; k < c.length; k++) {
            c[k] += block[k];
        }
        return this;
    }

    /** Adds another accumulator's sums (same d) into this one. */
    public ProcrustesAccumulator merge(ProcrustesAccumulator other) {
        checkArgument(other.d == d, "Cannot merge an accumulator of width %d into one of width %d", other.d, d);
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

    private static int firstNonPositiveOrInfinite(float[] weights, int n) {
        for (int i = 0; i < n; i++) {
            if (!(weights[i] > 0 && Float.isFinite(weights[i]))) {
                return i;
            }
        }
        return -1;
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
