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
     * The fastest solver at equal accuracy on this project's measurements (ProcrustesBenchmark, 2 cores):
     * {@link EigenProcrustesSolver} in double with its dgesdd fallback. On DFRot-shaped C it matched dgesdd
     * to 3e-12 at d = 4096 in 27 s against dgesdd's 32–51 s (about even at d ≤ 2048); float SVD was 1e-3 off,
     * Newton–Schulz exact but 117 s. When C is too ill-conditioned for the normal equations (κ ≳ 1e7; more
     * likely with few rows per channel) it falls back to dgesdd, logged at INFO, and then costs about
     * 1.5× dgesdd; the default therefore switches to dgesdd for good after the first fallback
     * ({@link AdaptiveProcrustesSolver}): DFRot's C keeps its conditioning from one step to the next.
     */
    static ProcrustesSolver defaultSolver() {
        return new AdaptiveProcrustesSolver();
    }
}
