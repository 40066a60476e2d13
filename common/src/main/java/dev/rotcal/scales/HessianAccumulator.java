package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.DenseLinearAlgebra;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The GPTQ Hessian of one linear's input, summed over blocks of calibration rows: S = Σ XᵀX and the row
 * count N, in float32 as gptq.py keeps it (its H is a float32 tensor; in double a 28672-wide Hessian would be
 * 6.6 GB instead of 3.3 GB, per task and again per band in transit). {@link #hessian()} returns GPTQ's normalization H = 2·S / N, the mean over tokens of 2·x·xᵀ
 * (gptq.py add_batch rescales H by n / (n + batch) and adds (√(2 / n)·x)·(√(2 / n)·x)ᵀ, which is the same
 * value). The division by N is done once at the end so partial sums merge exactly; the scale of H does
 * not change GPTQ's result (damping is relative to mean(diag H)), only its conditioning.
 *
 * <p>Per block S += XᵀX is one ssyrk into S's upper triangle (half a gemm's work; only the upper triangle is kept
 * current, every reader mirrors it). The state is plain arrays and
 * numbers so the accumulator can travel through Spark's treeAggregate ({@link #add} / {@link #merge} /
 * {@link #zero}).
 */
public final class HessianAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int in;
    private final float[] sum; // (in, in) row-major Σ XᵀX
    private long rows;

    /** An empty accumulator for inputs of width {@code in}. */
    public HessianAccumulator(int in) {
        checkArgument(in > 0, "Cannot accumulate a Hessian of width %d: the input width must be > 0", in);
        this.in = in;
        this.sum = new float[Math.multiplyExact(in, in)];
    }

    private HessianAccumulator(int in, float[] sum, long rows) {
        this.in = in;
        this.sum = sum;
        this.rows = rows;
    }

    /**
     * An accumulator over an already summed S = Σ XᵀX (taken, not copied: e.g. put together band by band as the
     * bands arrive).
     *
     * @param sum (in, in) row-major
     */
    public static HessianAccumulator ofSum(int in, float[] sum, long rows) {
        checkArgument(in > 0 && sum.length == (long) in * in && rows >= 0,
                "Cannot make a Hessian of width %d from %d values and %d rows", in, sum.length, rows);
        return new HessianAccumulator(in, sum, rows);
    }

    /**
     * Adds a block of input rows: S += XᵀX, N += nRows.
     *
     * @param x (nRows, in) row-major inputs of the linear (tokens); only the first nRows · in values are read
     */
    public HessianAccumulator add(float[] x, int nRows) {
        checkArgument(nRows >= 0, "Cannot add %d rows to a Hessian: the count must be >= 0", nRows);
        long size = Math.multiplyExact((long) nRows, in);
        checkArgument(x.length >= size, "Cannot add %d rows of width %d to a Hessian: the array holds %d values",
                nRows, in, x.length);
        if (nRows == 0) {
            return this;
        }
        // S's upper triangle ← Xᵀ·X + S (ssyrk: half a gemm); the lower triangle is mirrored where S is read
        DenseLinearAlgebra.addGramUpper(x, nRows, in, sum);
        rows += nRows;
        return this;
    }

    /** Adds another accumulator's sums (same width) into this one. */
    public HessianAccumulator merge(HessianAccumulator other) {
        checkArgument(other.in == in, "Cannot merge a Hessian of width %d into one of width %d", other.in, in);
        for (int k = 0; k < sum.length; k++) {
            sum[k] += other.sum[k];
        }
        rows += other.rows;
        return this;
    }

    /** Back to no rows. */
    public HessianAccumulator zero() {
        Arrays.fill(sum, 0);
        rows = 0;
        return this;
    }

    /** Input width. */
    public int in() {
        return in;
    }

    /** Rows (tokens) added so far. */
    public long rows() {
        return rows;
    }

    /**
     * The sum cut into bands of at most {@code rowsPerBand} rows, in row order (copies: this accumulator is not
     * changed).
     */
    public java.util.List<HessianBand> bands(int rowsPerBand) {
        checkArgument(rowsPerBand > 0, "Cannot cut a Hessian into bands of %d rows", rowsPerBand);
        java.util.List<HessianBand> out = new java.util.ArrayList<>();
        for (int first = 0; first < in; first += rowsPerBand) {
            out.add(band(first, Math.min(rowsPerBand, in - first)));
        }
        return out;
    }

    /** A copy of rows [first, first + count) of the sum, full rows (the lower triangle mirrored from the upper). */
    public HessianBand band(int first, int count) {
        float[] band = new float[Math.multiplyExact(count, in)];
        // below the diagonal: band[r][c] = S[c][first + r] for c < first + r, read along S's rows c (contiguous)
        // rather than down its columns (one cache miss per value at in = 14336)
        for (int c = 0; c < first + count - 1; c++) {
            int base = c * in + first;
            for (int r = Math.max(0, c + 1 - first); r < count; r++) {
                band[r * in + c] = sum[base + r];
            }
        }
        for (int r = 0; r < count; r++) {
            int row = first + r;
            System.arraycopy(sum, row * in + row, band, r * in + row, in - row);
        }
        return new HessianBand(in, first, count, band, rows);
    }

    /**
     * The accumulator whose sum the given bands make up (any order; together they must cover every row exactly
     * once, all with the same row count).
     */
    public static HessianAccumulator assemble(int in, java.util.Collection<HessianBand> bands) {
        HessianAccumulator h = new HessianAccumulator(in);
        boolean[] covered = new boolean[in];
        long rows = -1;
        for (HessianBand b : bands) {
            checkArgument(b.in() == in, "Cannot assemble a Hessian of width %d from a band of width %d", in, b.in());
            checkArgument(rows < 0 || rows == b.rows(),
                    "Cannot assemble a Hessian from bands of %d and %d rows", rows, b.rows());
            rows = b.rows();
            for (int r = b.first(); r < b.first() + b.count(); r++) {
                checkArgument(!covered[r], "Cannot assemble a Hessian: row %d is in two bands", r);
                covered[r] = true;
            }
            System.arraycopy(b.sum(), 0, h.sum, b.first() * in, b.sum().length);
        }
        for (int r = 0; r < in; r++) {
            checkArgument(covered[r], "Cannot assemble a Hessian of width %d: no band holds row %d", in, r);
        }
        h.rows = rows;
        return h;
    }

    /** A copy of the raw sum S = Σ XᵀX, (in, in) row-major, full (the lower triangle mirrored from the upper). */
    public float[] sumOfOuterProducts() {
        float[] s = sum.clone();
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < i; j++) {
                s[i * in + j] = s[j * in + i];
            }
        }
        return s;
    }

    /**
     * GPTQ's Hessian H = 2·XᵀX / N like {@link #hessian()}, computed in this accumulator's own array (no copy of
     * an (in, in) matrix: at in = 28672 that is 3.3 GB); the accumulator must not be used afterwards.
     */
    public float[] takeHessian() {
        checkArgument(rows > 0, "Cannot form a Hessian from no rows: add calibration rows first");
        double scale = 2.0 / rows;
        for (int i = 0; i < in; i++) {
            for (int j = i; j < in; j++) {
                float v = (float) (scale * sum[i * in + j]);
                sum[i * in + j] = v;
                sum[j * in + i] = v;
            }
        }
        rows = -1;
        return sum;
    }

    /** GPTQ's Hessian H = 2·XᵀX / N, (in, in) row-major and exactly symmetric (from the upper triangle). */
    public float[] hessian() {
        return new HessianAccumulator(in, sum.clone(), rows).takeHessian();
    }
}
