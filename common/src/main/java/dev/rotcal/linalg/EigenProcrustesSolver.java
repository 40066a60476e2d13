package dev.rotcal.linalg;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Procrustes through the symmetric eigendecomposition CᵀC = V·Λ·Vᵀ (LAPACK dsyevd or ssyevd): with
 * Λ = Σ², the left singular vectors are u_j = C·v_j / σ_j, and R = U·Vᵀ = C·V·Λ^{-1/2}·Vᵀ.
 *
 * <p>A symmetric eigensolver is several times faster than an SVD. Used naively it is less accurate:
 * forming CᵀC squares the condition number, so U = C·V·Λ^{-1/2} is off by about ε·κ(C)² (1e-6 at
 * κ = 1e5 in double). A refinement step removes that. For ANY orthogonal V, polar(C) = polar(W)·Vᵀ with
 * W = C·V, so only U = polar(W) must be accurate, and V merely makes W's columns nearly orthogonal. If U
 * is orthogonal, polar(W) = U·polar(Y) with Y = Uᵀ·W, and Y is symmetric exactly when U = polar(W).
 * To first order polar(Y) = I + K with K skew, K_ij = (Y_ij − Y_ji) / (Y_ii + Y_jj); the step applies
 * U ← U·(I + K + K²/2), which is orthogonal up to ‖K‖⁴/4. One step brings the error to about ε·κ(C), as
 * dgesdd; a second runs only if K was large.
 *
 * <p>Limit. The first-order step needs ‖K‖ ≈ ε·κ(C)² to be small: κ(C) up to about 1e7 in double, 1e3 in
 * float. Beyond that the refinement is skipped with a WARN and R is accurate only in C's dominant
 * directions (its Procrustes objective is still within ~1e-5 of the optimum). A DFRot-shaped C, with
 * α-weighted massive rows, has κ ≈ 1e7–1e8 (ProcrustesBenchmark prints it): it is on that edge.
 *
 * <p>Near-zero eigenvalues. An eigenvalue below d·ε·λ_max is indistinguishable from zero: its σ_j and u_j
 * are rounding noise, and if C is rank-deficient the minimizer is not unique on C's null space. Such
 * directions are not divided by σ_j; their column of U starts as v_j (R acts as the identity there, as far
 * as orthogonality to the determined directions allows). U is then orthonormalized by QR with its columns
 * ordered by decreasing σ: the best-determined directions keep their u_j, the null directions become the
 * orthogonal complement; the refinement leaves pairs of null directions alone (Y_ii + Y_jj ≈ 0).
 */
public final class EigenProcrustesSolver implements ProcrustesSolver {
    private static final Logger LOG = LoggerFactory.getLogger(EigenProcrustesSolver.class);

    /** After a step with ‖K‖_max below this, the remaining error (~‖K‖²) is at rounding level. */
    private static final double REFINED = 1e-5;
    /** Above this ‖K‖_max the first-order step is not trusted (its error ~‖K‖² would not shrink). */
    private static final double TRUSTED = 0.05;
    private static final int MAX_REFINEMENTS = 3;

    private final Precision precision;

    /** The eigendecomposition in double (dsyevd). */
    public EigenProcrustesSolver() {
        this(Precision.DOUBLE);
    }

    /** The eigendecomposition in the given precision: DOUBLE (dsyevd) or FLOAT (ssyevd on a float CᵀC). */
    public EigenProcrustesSolver(Precision precision) {
        this.precision = precision;
    }

    @Override
    public double[] solve(double[] c, int d) {
        double[] x = ProcrustesInput.scaledCopy(c, d); // (d, d) C / max|C|
        double[] g = DenseLinearAlgebra.gram(x, d, d); // (d, d) CᵀC = V·Λ·Vᵀ
        DenseLinearAlgebra.SymmetricEigen eigen = DenseLinearAlgebra.symmetricEigen(g, d, precision);

        // V with its columns in decreasing eigenvalue order (LAPACK returns them increasing)
        double[] v = new double[x.length]; // (d, d) row-major, column j = v_j
        double[] lambda = new double[d]; // (d) decreasing
        for (int j = 0; j < d; j++) {
            lambda[j] = eigen.values()[d - 1 - j];
            for (int i = 0; i < d; i++) {
                v[i * d + j] = eigen.vectors()[i * d + (d - 1 - j)];
            }
        }
        if (precision == Precision.FLOAT) {
            // polar(C) = polar(C·V)·Vᵀ needs V orthogonal in double, not only to float rounding
            v = Orthonormalization.reorthonormalize(v, d);
        }

        double[] w = new double[x.length]; // (d, d) W = C·V: column j is σ_j·u_j
        DenseLinearAlgebra.gemm(false, false, d, d, d, 1.0, x, v, 0.0, w);
        double cutoff = d * precision.epsilon() * Math.max(lambda[0], 0.0);
        int rank = 0;
        while (rank < d && lambda[rank] > cutoff) {
            rank++;
        }
        double[] u = initialLeftFactor(w, v, lambda, rank, d);
        int nullDirections = 0;
        for (int step = 1; step <= MAX_REFINEMENTS; step++) {
            Refinement refinement = refinement(u, w, d);
            nullDirections = refinement.nullDirections();
            if (refinement.size() > TRUSTED) {
                // the first-order model does not hold: applying it would make U worse, not better
                LOG.warn("Eigen Procrustes (d = {}, {}): C is too ill-conditioned for the normal equations "
                        + "({} of {} eigenvalues of CᵀC at rounding level, correction ‖K‖_max = {}); R is "
                        + "accurate only in C's dominant directions: use SvdProcrustesSolver(DOUBLE) or "
                        + "NewtonSchulzProcrustesSolver", d, precision, d - rank, d, refinement.size());
                return rotation(u, v, d);
            }
            apply(refinement, u, d);
            if (refinement.size() <= REFINED) {
                break;
            }
        }
        if (nullDirections > 0) {
            LOG.warn("Eigen Procrustes (d = {}): C is rank-deficient (rank {}); R on its null space is one of "
                    + "many minimizers", d, d - nullDirections);
        }
        return rotation(u, v, d);
    }

    /** R = U·Vᵀ. @param u (d, d), @param v (d, d) @return (d, d) row-major */
    private static double[] rotation(double[] u, double[] v, int d) {
        double[] r = new double[u.length]; // (d, d) R = U·Vᵀ
        DenseLinearAlgebra.gemm(false, true, d, d, d, 1.0, u, v, 0.0, r);
        return r;
    }

    /**
     * U₀: u_j = w_j / σ_j for the determined directions, v_j for the (numerically) null ones, then QR with
     * diag(T) &gt; 0 in this column order.
     *
     * @param w (d, d) C·V, @param v (d, d) V, @param lambda (d) decreasing eigenvalues of CᵀC, the first
     *     {@code rank} above the cutoff
     * @return (d, d) row-major orthogonal
     */
    private static double[] initialLeftFactor(double[] w, double[] v, double[] lambda, int rank, int d) {
        double[] u = w.clone(); // (d, d)
        for (int j = 0; j < d; j++) {
            if (j < rank) {
                double inverseSigma = 1.0 / Math.sqrt(lambda[j]); // u_j = C·v_j / σ_j
                for (int i = 0; i < d; i++) {
                    u[i * d + j] *= inverseSigma;
                }
            } else {
                for (int i = 0; i < d; i++) {
                    u[i * d + j] = v[i * d + j];
                }
            }
        }
        return Orthonormalization.reorthonormalize(u, d);
    }

    /** A skew-symmetric correction K (d, d) row-major, its size ‖K‖_max, and how many σ_j were at rounding level. */
    private record Refinement(double[] k, double size, int nullDirections) {
    }

    /**
     * The first-order correction towards U = polar(W): Y = Uᵀ·W, K_ij = (Y_ij − Y_ji) / (Y_ii + Y_jj); pairs
     * whose Y_ii + Y_jj is at rounding level (two null directions) get no correction.
     *
     * @param u (d, d) orthogonal; @param w (d, d) C·V
     */
    private static Refinement refinement(double[] u, double[] w, int d) {
        double[] y = new double[u.length]; // (d, d) Uᵀ·W, symmetric when U = polar(W)
        DenseLinearAlgebra.gemm(true, false, d, d, d, 1.0, u, w, 0.0, y);
        double scale = 0;
        for (int i = 0; i < d; i++) {
            scale = Math.max(scale, Math.abs(y[i * d + i]));
        }
        double negligible = d * Precision.DOUBLE.epsilon() * scale;
        int nullDirections = 0;
        for (int i = 0; i < d; i++) {
            nullDirections += y[i * d + i] <= negligible / 2 ? 1 : 0;
        }
        double[] k = new double[u.length]; // (d, d) skew-symmetric
        double size = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double denominator = y[i * d + i] + y[j * d + j];
                if (denominator > negligible) {
                    double kij = (y[i * d + j] - y[j * d + i]) / denominator;
                    k[i * d + j] = kij;
                    k[j * d + i] = -kij;
                    size = Math.max(size, Math.abs(kij));
                }
            }
        }
        return new Refinement(k, size, nullDirections);
    }

    /** U ← U·(I + K + K²/2), orthogonal up to ‖K‖⁴/4 when U is. @param u (d, d), updated */
    private static void apply(Refinement refinement, double[] u, int d) {
        double[] k = refinement.k(); // (d, d)
        double[] m = new double[u.length]; // (d, d) K + K²/2
        DenseLinearAlgebra.gemm(false, false, d, d, d, 0.5, k, k, 0.0, m);
        for (int i = 0; i < m.length; i++) {
            m[i] += k[i];
        }
        DenseLinearAlgebra.gemm(false, false, d, d, d, 1.0, u.clone(), m, 1.0, u); // U + U·(K + K²/2)
    }

    @Override
    public String name() {
        return precision == Precision.DOUBLE ? "eigen-dsyevd" : "eigen-ssyevd";
    }
}
