package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Single-precision matrix products on row-major {@code float[]} through OpenBLAS {@code cblas_sgemm}.
 *
 * <p>Every projection of the forward pass is one call here on a whole [tokens, d] block, so the work is
 * GEMM-shaped and runs at BLAS speed. HF's nn.Linear stores W as [out, in]; {@link #linear} computes
 * y = x·Wᵀ + b without transposing W (cblas reads it transposed in place). A weight read by many calls
 * should be a {@link NativeMatrix}: a {@code float[]} argument is copied to native memory on every call.
 */
public final class Gemm {
    private Gemm() {
    }

    /**
     * The HF linear layer y = x·Wᵀ + b over a block of rows.
     *
     * @param x     (rows, in) row-major input rows
     * @param w     (out, in) row-major, HF [out, in]
     * @param bias  (out) or null for no bias
     * @return (rows, out) row-major
     */
    public static float[] linear(float[] x, int rows, int in, float[] w, int out, float[] bias) {
        checkArgument(bias == null || bias.length == out,
                "Cannot apply a linear layer: bias has %d values, the layer has %d outputs",
                bias == null ? 0 : bias.length, out);
        float[] y = new float[Math.multiplyExact(rows, out)];
        if (bias != null) {
            // y starts as the bias on every row; sgemm then adds x·Wᵀ (beta = 1)
            for (int r = 0; r < rows; r++) {
                System.arraycopy(bias, 0, y, r * out, out);
            }
        }
        multiply(x, w, true, y, rows, out, in, bias == null ? 0f : 1f);
        return y;
    }

    /**
     * The HF linear layer y = x·Wᵀ + b with W already in native memory: only x and y are copied.
     *
     * @param x     (rows, in) row-major input rows, in = w.cols()
     * @param w     (out, in) HF [out, in]
     * @param bias  (out) or null for no bias
     * @return (rows, out) row-major
     */
    public static float[] linear(float[] x, int rows, NativeMatrix w, float[] bias) {
        int in = w.cols();
        int out = w.rows();
        checkArgument(rows >= 0 && x.length == Math.multiplyExact((long) rows, in),
                "Cannot apply a (%d, %d) linear layer to %d rows: the block holds %d floats", out, in, rows,
                x.length);
        checkArgument(bias == null || bias.length == out,
                "Cannot apply a linear layer: bias has %d values, the layer has %d outputs",
                bias == null ? 0 : bias.length, out);
        float[] y = new float[Math.multiplyExact(rows, out)];
        if (rows == 0) {
            return y;
        }
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(bias, 0, y, r * out, out);
            }
        }
        try (FloatPointer xp = new FloatPointer(x); FloatPointer yp = new FloatPointer(y)) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans,
                    rows, out, in, 1f, xp, in, w.pointer(), in, bias == null ? 0f : 1f, yp, out);
            yp.get(y);
        }
        return y;
    }

    /**
     * c = a·bᵀ.
     *
     * @param a  (m, k) row-major
     * @param b  (n, k) row-major
     * @param c  (m, n) row-major, overwritten
     */
    public static void timesTransposed(float[] a, float[] b, float[] c, int m, int n, int k) {
        multiply(a, b, true, c, m, n, k, 0f);
    }

    /**
     * c = a·b.
     *
     * @param a  (m, k) row-major
     * @param b  (k, n) row-major
     * @param c  (m, n) row-major, overwritten
     */
    public static void times(float[] a, float[] b, float[] c, int m, int n, int k) {
        multiply(a, b, false, c, m, n, k, 0f);
    }

    /** c = a·op(b) + beta·c with a (m, k) and op(b) (k, n); all row-major. */
    private static void multiply(float[] a, float[] b, boolean transB, float[] c,
                                 int m, int n, int k, float beta) {
        checkArgument(m >= 0 && n >= 0 && k >= 0, "Cannot multiply matrices of sizes (%d, %d)·(%d, %d)",
                m, k, k, n);
        checkArgument(a.length >= Math.multiplyExact(m, k) && b.length >= Math.multiplyExact(k, n)
                        && c.length >= Math.multiplyExact(m, n),
                "Cannot multiply (%d, %d)·(%d, %d) into (%d, %d): arrays hold %d, %d and %d floats",
                m, k, k, n, m, n, a.length, b.length, c.length);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            // an empty inner dimension: the product is zero
            for (int i = 0; i < m * n; i++) {
                c[i] = beta * c[i];
            }
            return;
        }
        int ldb = transB ? k : n;   // row-major leading dimension = stored row length
        openblas.cblas_sgemm(openblas.CblasRowMajor,
                openblas.CblasNoTrans,
                transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                m, n, k, 1f, a, k, b, ldb, beta, c, n);
    }
}
