package dev.rotcal.linalg;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Procrustes through the symmetric eigendecomposition CᵀC = V·Λ·Vᵀ (LAPACK dsyevd or ssyevd): with
 * Λ = Σ², the left singular vectors are u_j = C·v_j / σ_j, and R = U·Vᵀ = C·V·Λ^{-1/2}·Vᵀ.
 *
 * <p>Refinement. Forming CᵀC squares the condition number, so U₀ = C·V·Λ^{-1/2} is off by about ε·κ(C)².
 * But for ANY orthogonal V, polar(C) = polar(W)·Vᵀ with W = C·V, which is formed from C itself: only
 * U = polar(W) must be accurate. For orthogonal U, polar(W) = U·polar(Y) with Y = Uᵀ·W, and U = polar(W)
 * exactly when Y is symmetric positive semidefinite. To first order polar(Y) = I + K, K skew with
 * K_ij = (Y_ij − Y_ji) / (Y_ii + Y_jj); a step applies U ← U·(I + K + K²/2), orthogonal up to ‖K‖⁴/4.
 * Steps repeat until Y is symmetric PSD to d·ε·σ_max, the rounding a backward-stable SVD leaves: that
 * certifies R to about ε·κ(C), dgesdd's accuracy. Usually one step (Y₀ comes free from U₀'s QR).
 *
 * <p>Limit. The first-order step needs ‖K‖ ≈ ε·κ(C)² to be small: κ(C) up to about 1e7 in double, 1e3 in
 * float. A DFRot-shaped C, with α-weighted massive rows, is near that edge: κ ≈ 1e5 with n = 4d rows,
 * 1e7–1e9 with n = 2d (ProcrustesBenchmark prints it). When the certificate fails, the solver by default hands C to {@link SvdProcrustesSolver}
 * (dgesdd) and logs it at INFO; without the fallback it returns its uncertified R with a WARN, accurate
 * only in C's dominant directions (the Procrustes objective is still within ~1e-5 of its optimum).
 *
 * <p>Near-zero eigenvalues. An eigenvalue below d·ε·λ_max is indistinguishable from zero: its σ_j and u_j
 * are rounding noise. If C·v_j is rounding noise as well, C is rank-deficient and the minimizer is not
 * unique on its null space: such a column of U starts as v_j (R acts as the identity there, as far as
 * orthogonality to the determined directions allows), U is orthonormalized by QR with its columns ordered
 * by decreasing σ (the best-determined directions keep their u_j, the null ones become the orthogonal
 * complement), and the refinement leaves pairs of null directions alone (Y_ii + Y_jj ≈ 0). If C·v_j is
 * not noise, C is only too ill-conditioned for this method and the certificate fails.
 */
public final class EigenProcrustesSolver implements ProcrustesSolver {
    private static final Logger LOG = LoggerFactory.getLogger(EigenProcrustesSolver.class);

    /** Y's residuals up to CERTIFICATE·d·ε·σ_max count as rounding (what dgesdd's own U, V leave). */
    private static final double CERTIFICATE = 4;
    /** Above this ‖K‖_max the first-order step is not trusted (its error ~‖K‖² would not shrink). */
    private static final double TRUSTED = 0.05;
    private static final int MAX_REFINEMENTS = 4;

    private final Precision precision;
    private final boolean svdFallback;
    private volatile boolean fellBack; // the last solve handed C to dgesdd

    /** dsyevd in double, falling back to dgesdd when C is too ill-conditioned for the normal equations. */
    public EigenProcrustesSolver() {
        this(Precision.DOUBLE, true);
    }

    /**
     * @param precision   DOUBLE (dsyevd) or FLOAT (ssyevd on a float CᵀC)
     * @param svdFallback solve with dgesdd when the refinement cannot reach double accuracy; false returns the
     *                    eigen answer anyway (with a WARN), e.g. to measure it
     */
    public EigenProcrustesSolver(Precision precision, boolean svdFallback) {
        this.precision = precision;
        this.svdFallback = svdFallback;
    }

    @Override
    public double[] solve(double[] c, int d) {
        fellBack = false;
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
        // λ_j ≤ d·ε·λ_max: the normal equations cannot resolve v_j (C is rank-deficient there, or only too
        // ill-conditioned for this method: the certificate below tells them apart)
        double cutoff = d * precision.epsilon() * Math.max(lambda[0], 0.0);
        int rank = 0;
        while (rank < d && lambda[rank] > cutoff) {
            rank++;
        }
        DenseLinearAlgebra.Qr start = initialLeftFactor(w, v, lambda, rank, d);
        double[] u = start.q(); // (d, d) U₀, orthogonal
        double[] y = firstCrossProduct(start.r(), u, w, lambda, rank, d); // (d, d) U₀ᵀ·W
        // certificate: U = polar(W) iff Y = Uᵀ·W is symmetric positive semidefinite, here to rounding of σ_max
        double tolerance = CERTIFICATE * d * Precision.DOUBLE.epsilon() * Math.sqrt(Math.max(lambda[0], 0.0));
        for (int step = 0; ; step++) {
            Refinement refinement = refinement(y, d);
            if (refinement.maxSkew() <= tolerance && refinement.minDiagonal() >= -tolerance) {
                LOG.debug("Eigen Procrustes (d = {}): certified after {} refinement steps", d, step);
                break;
            }
            if (step == MAX_REFINEMENTS || refinement.size() > TRUSTED) {
                // the first-order model does not hold or does not converge: U cannot be certified
                return tooIllConditioned(c, u, v, d, String.format(Locale.ROOT, "%d of %d eigenvalues of CᵀC "
                        + "at rounding level; after %d refinement steps ‖K‖_max = %.1e", d - rank, d, step,
                        refinement.size()));
            }
            apply(refinement, u, d);
            if (refinement.size() > 1e-3) {
                // ‖K‖⁴/4 is above rounding, and the certificate needs U orthogonal
                u = Orthonormalization.reorthonormalize(u, d);
            }
            DenseLinearAlgebra.gemm(true, false, d, d, d, 1.0, u, w, 0.0, y); // Y = Uᵀ·W
        }
        int nullity = nullity(w, rank, Math.sqrt(Math.max(lambda[0], 0.0)), d);
        if (nullity > 0) {
            LOG.warn("Eigen Procrustes (d = {}): C is rank-deficient (numerical rank ≈ {}); R on its null space "
                    + "is one of many minimizers", d, d - nullity);
        }
        return rotation(u, v, d);
    }

    /** True when the last {@link #solve} found C too ill-conditioned and handed it to dgesdd. */
    public boolean fellBackOnLastSolve() {
        return fellBack;
    }

    /** How many columns of W (d, d) = C·V past {@code rank} are rounding noise (‖w_j‖ ≤ d·ε·σ_max). */
    private static int nullity(double[] w, int rank, double sigmaMax, int d) {
        double noise = d * Precision.DOUBLE.epsilon() * sigmaMax;
        int nullity = 0;
        for (int j = rank; j < d; j++) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                norm += w[i * d + j] * w[i * d + j];
            }
            nullity += Math.sqrt(norm) <= noise ? 1 : 0;
        }
        return nullity;
    }

    /** dgesdd's answer (with the fallback), else U·Vᵀ with a WARN. */
    private double[] tooIllConditioned(double[] c, double[] u, double[] v, int d, String why) {
        fellBack = svdFallback;
        if (svdFallback) {
            LOG.info("Eigen Procrustes (d = {}, {}): C is too ill-conditioned for the normal equations ({}); "
                    + "solving with dgesdd", d, precision, why);
            return new SvdProcrustesSolver(Precision.DOUBLE).solve(c, d);
        }
        LOG.warn("Eigen Procrustes (d = {}, {}): C is too ill-conditioned for the normal equations ({}); R is "
                + "accurate only in C's dominant directions: use SvdProcrustesSolver(DOUBLE) or "
                + "NewtonSchulzProcrustesSolver", d, precision, why);
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
     * @return U₀ (d, d) and T (d, d), both row-major
     */
    private static DenseLinearAlgebra.Qr initialLeftFactor(double[] w, double[] v, double[] lambda, int rank,
                                                           int d) {
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
        return Orthonormalization.positiveQr(u, d);
    }

    /**
     * Y = U₀ᵀ·W without a GEMM where possible: for a determined column, w_j/σ_j = U₀·t_j, so
     * U₀ᵀ·w_j = σ_j·t_j (T is upper triangular); only the columns that started as v_j need U₀ᵀ·w_j.
     *
     * @param t (d, d) the QR's triangle, @param u (d, d) U₀, @param w (d, d) C·V
     * @return (d, d) row-major
     */
    private static double[] firstCrossProduct(double[] t, double[] u, double[] w, double[] lambda, int rank,
                                              int d) {
        double[] y = new double[t.length]; // (d, d)
        for (int j = 0; j < rank; j++) {
            double sigma = Math.sqrt(lambda[j]);
            for (int i = 0; i <= j; i++) {
                y[i * d + j] = t[i * d + j] * sigma;
            }
        }
        int rest = d - rank;
        if (rest > 0) {
            double[] wRest = new double[d * rest]; // (d, rest) columns rank.. of W
            for (int i = 0; i < d; i++) {
                System.arraycopy(w, i * d + rank, wRest, i * rest, rest);
            }
            double[] yRest = new double[d * rest]; // (d, rest) U₀ᵀ·W[:, rank..]
            DenseLinearAlgebra.gemm(true, false, d, rest, d, 1.0, u, wRest, 0.0, yRest);
            for (int i = 0; i < d; i++) {
                System.arraycopy(yRest, i * rest, y, i * d + rank, rest);
            }
        }
        return y;
    }

    /**
     * A skew-symmetric correction K (d, d) row-major and its size ‖K‖_max; the residuals of Y it was computed
     * from: max |Y_ij − Y_ji| and min Y_ii.
     */
    private record Refinement(double[] k, double size, double maxSkew, double minDiagonal) {
    }

    /**
     * The first-order correction towards U = polar(W): K_ij = (Y_ij − Y_ji) / (Y_ii + Y_jj) with Y = Uᵀ·W;
     * pairs whose Y_ii + Y_jj is at rounding level (two null directions) get no correction.
     *
     * @param y (d, d) Uᵀ·W, symmetric when U = polar(W)
     */
    private static Refinement refinement(double[] y, int d) {
        double scale = 0;
        for (int i = 0; i < d; i++) {
            scale = Math.max(scale, Math.abs(y[i * d + i]));
        }
        double negligible = d * Precision.DOUBLE.epsilon() * scale;
        double[] k = new double[y.length]; // (d, d) skew-symmetric
        double size = 0;
        double maxSkew = 0;
        double minDiagonal = Double.POSITIVE_INFINITY;
        for (int i = 0; i < d; i++) {
            minDiagonal = Math.min(minDiagonal, y[i * d + i]);
            for (int j = i + 1; j < d; j++) {
                maxSkew = Math.max(maxSkew, Math.abs(y[i * d + j] - y[j * d + i]));
                double denominator = y[i * d + i] + y[j * d + j];
                if (denominator > negligible) {
                    double kij = (y[i * d + j] - y[j * d + i]) / denominator;
                    k[i * d + j] = kij;
                    k[j * d + i] = -kij;
                    size = Math.max(size, Math.abs(kij));
                }
            }
        }
        return new Refinement(k, size, maxSkew, minDiagonal);
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
        return (precision == Precision.DOUBLE ? "eigen-dsyevd" : "eigen-ssyevd")
                + (svdFallback ? "/dgesdd-fallback" : "");
    }
}
