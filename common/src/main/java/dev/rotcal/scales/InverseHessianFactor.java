package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.DenseLinearAlgebra;
import org.bytedeco.javacpp.FloatPointer;

/**
 * GPTQ's U: the upper Cholesky factor of the damped inverse Hessian, H⁻¹ = UᵀU, in float32 as gptq.py computes it
 * (torch.linalg.cholesky / cholesky_inverse on its float32 H), in native memory (one n² array, no Java copy and no
 * JNI copy per LAPACK call: at n = 28672, LLaMA-3-70B's down_proj, that is 3.1 GiB once; in double it was 6.1 GiB,
 * which with the rotated layer did not fit beside the heap on a 24 GiB machine). The damping is computed in double.
 *
 * <p>gptq.py takes H = LLᵀ, H⁻¹ from L (cholesky_inverse), then the Cholesky factor of H⁻¹: 4n³/3 flops. The same U
 * (the upper factor with a positive diagonal is unique) costs 2n³/3 in the reversed order: with J the reversal
 * permutation, J·H·J = RᵀR (dpotrf, R upper), so H = (J·Rᵀ·J)(J·R·J) with J·Rᵀ·J upper, and
 * U = (J·Rᵀ·J)⁻¹ = J·R⁻ᵀ·J (dtrtri). J·X·J of a square array is its elements in reverse order, so the reversals are
 * only index arithmetic: the array A holds R⁻¹ column-major, and U[i][j] = A[n² − 1 − i·n − j].
 */
final class InverseHessianFactor implements AutoCloseable {
    private static final int CHUNK = 1 << 20; // values per copy between the heap and the native array

    private final int n;
    private final FloatPointer a; // (n, n): J·H·J damped, then R⁻¹ in its upper triangle (column-major)

    private InverseHessianFactor(int n, FloatPointer a) {
        this.n = n;
        this.a = a;
    }

    /**
     * Factors H + λ·I, λ = {@code damping}·mean(diag H) after the dead columns' diagonal is set to 1 (gptq.py's order).
     *
     * @param h    (n, n) row-major symmetric Hessian; not modified
     * @param dead (n) the dead columns (diag H = 0)
     */
    static InverseHessianFactor of(float[] h, int n, boolean[] dead, double damping) {
        checkArgument(h.length == (long) n * n && dead.length == n, "[BUG] a Hessian of %d values for order %d",
                h.length, n);
        double trace = 0;
        for (int j = 0; j < n; j++) {
            trace += dead[j] ? 1.0 : h[j * n + j];
        }
        double damp = damping * trace / n;
        long size = (long) n * n;
        FloatPointer a = new FloatPointer(size);
        try {
            float[] buffer = new float[(int) Math.min(size, CHUNK)];
            // A[k] = H[n² − 1 − k]: heap range [start, end) of H lands reversed at A[n² − end, n² − start)
            for (long start = 0; start < size; start += buffer.length) {
                int len = (int) Math.min(buffer.length, size - start);
                for (int k = 0; k < len; k++) {
                    buffer[len - 1 - k] = h[(int) (start + k)];
                }
                a.position(size - start - len).put(buffer, 0, len);
            }
            a.position(0);
            for (int j = 0; j < n; j++) {
                long diagonal = (long) (n - 1 - j) * (n + 1); // H[j][j] reversed
                a.put(diagonal, (float) ((dead[j] ? 1.0 : h[j * n + j]) + damp));
            }
            checkArgument(DenseLinearAlgebra.upperCholeskyInPlace(a, n), "Cannot run GPTQ: the damped Hessian (order "
                    + "%d) is not positive definite (is it a sum of x·xᵀ over finite inputs?)", n);
            DenseLinearAlgebra.invertUpperTriangleInPlace(a, n);
            return new InverseHessianFactor(n, a);
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /**
     * Rows [r0, r1) of U from column {@code from} on, row-major into {@code dst} ((r1 − r0, n − from)): the entries
     * below the diagonal (j &lt; i) are meaningless.
     */
    void rows(int r0, int r1, int from, double[] dst) {
        int width = n - from;
        checkArgument(dst.length >= (long) (r1 - r0) * width, "[BUG] %d values for %d rows of %d", dst.length,
                r1 - r0, width);
        float[] tmp = new float[width];
        for (int i = r0; i < r1; i++) {
            // U[i][j] = A[n² − 1 − i·n − j] for j in [from, n): a contiguous range of A, reversed
            a.position((long) n * (n - 1 - i)).get(tmp, 0, width);
            int base = (i - r0) * width;
            for (int j = from; j < n; j++) {
                dst[base + j - from] = tmp[n - 1 - j];
            }
        }
        a.position(0);
    }

    /** U (n, n) row-major with zeros below the diagonal (tests; n² doubles on the heap). */
    double[] upper() {
        double[] u = new double[n * n];
        rows(0, n, 0, u);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                u[i * n + j] = 0;
            }
        }
        return u;
    }

    @Override
    public void close() {
        a.close();
    }
}
