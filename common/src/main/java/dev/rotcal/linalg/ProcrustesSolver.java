package dev.rotcal.linalg;

/**
 * Orthogonal Procrustes: the orthogonal R minimizing ‖A·R − B‖_F, which depends on A and B only through
 * C = Aᵀ·B. With C = U·Σ·Vᵀ the answer is R = U·Vᵀ, the orthogonal (polar) factor of C: it maximizes
 * trace(Rᵀ·C). This is step (b) of every DFRot iteration (reference/DFROT.md), solved on the driver.
 *
 * <p>Implementations differ in speed and accuracy; all return an R that is orthogonal to rounding in
 * double (re-orthonormalized), and none modifies {@code c}. The answer is invariant to the scale of C.
 * When C is rank-deficient the minimizer is not unique on C's null space; implementations then return
 * one of the minimizers.
 */
public interface ProcrustesSolver {
    /**
     * R = U·Vᵀ where C = U·Σ·Vᵀ: the orthogonal R minimizing ‖A·R − B‖_F for C = Aᵀ·B.
     *
     * @param c (d, d) row-major, finite and not all zero
     * @return (d, d) row-major, orthogonal (re-orthonormalized)
     */
    double[] solve(double[] c, int d);

    /** A short name for logs and benchmark tables, e.g. "svd-dgesdd". */
    String name();

    /**
     * The fastest solver at equal accuracy on this project's measurements (ProcrustesBenchmark): the
     * eigen solver in double (dsyevd on CᵀC), as accurate as dgesdd on DFRot-shaped C and several times
     * faster.
     */
    static ProcrustesSolver defaultSolver() {
        return new EigenProcrustesSolver();
    }
}
