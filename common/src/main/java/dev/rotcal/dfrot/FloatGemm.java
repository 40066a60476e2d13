package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The two single-precision GEMMs of a DFRot iteration, on plain row-major arrays through OpenBLAS
 * (cblas_sgemm). These are the heavy part: (n×d)·(d×d) each; everything else is O(n·d).
 *
 * <p>OpenBLAS uses as many threads as the JVM has cores unless told otherwise (OPENBLAS_NUM_THREADS);
 * executors with several task slots want one BLAS thread per slot (reference/STACK.md).
 *
 * <p>A {@code float[]} argument is copied into native memory and back on every call (JNI array elements);
 * the refine loop's hot path ({@link ProcrustesBlockKernel}) uses the {@link FloatPointer} overloads on
 * buffers it allocates once.
 */
final class FloatGemm {
    private FloatGemm() {
    }

    /**
     * Y = A·R.
     *
     * @param a (m, k) row-major
     * @param r (k, n) row-major
     * @return (m, n) row-major
     */
    static float[] multiply(float[] a, int m, int k, float[] r, int n) {
        checkArgument(a.length >= Math.multiplyExact(m, k) && r.length >= Math.multiplyExact(k, n),
                "Cannot multiply (%d, %d)·(%d, %d): arrays hold %d and %d floats", m, k, k, n, a.length, r.length);
        float[] y = new float[Math.multiplyExact(m, n)]; // (m, n) row-major
        if (y.length > 0 && k > 0) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans,
                    m, n, k, 1f, a, k, r, n, 0f, y, n);
        }
        return y;
    }

    /**
     * y = a·r on native buffers (no copies).
     *
     * @param a (m, k) row-major
     * @param r (k, n) row-major
     * @param y (m, n) row-major, overwritten
     */
    static void multiply(FloatPointer a, int m, int k, FloatPointer r, int n, FloatPointer y) {
        checkCapacity(a, (long) m * k, "a");
        checkCapacity(r, (long) k * n, "r");
        checkCapacity(y, (long) m * n, "y");
        if ((long) m * n > 0 && k > 0) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans,
                    m, n, k, 1f, a, k, r, n, 0f, y, n);
        }
    }

    /**
     * c = aᵀ·b + beta·c on native buffers (no copies); beta = 1 sums blocks of rows into c.
     *
     * @param a (rows, m) row-major
     * @param b (rows, n) row-major
     * @param c (m, n) row-major
     */
    static void transposeMultiplyAdd(FloatPointer a, int rows, int m, FloatPointer b, int n, float beta,
                                     FloatPointer c) {
        checkCapacity(a, (long) rows * m, "a");
        checkCapacity(b, (long) rows * n, "b");
        checkCapacity(c, (long) m * n, "c");
        if (rows > 0 && (long) m * n > 0) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans,
                    m, n, rows, 1f, a, m, b, n, beta, c, n);
        }
    }

    private static void checkCapacity(FloatPointer p, long needed, String name) {
        checkArgument(!p.isNull() && p.position() == 0 && p.capacity() >= needed,
                "Cannot use native buffer %s: it holds %d floats from position %d, the product needs %d", name,
                p.capacity(), p.position(), needed);
    }

    /** Float copy of a double matrix, the storage boundary for the block GEMMs. */
    static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
