package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Procrustes by a polar iteration that uses only GEMMs: X ← X·(a·I + b·XᵀX), which maps every singular
 * value σ of X to p(σ) = a·σ + b·σ³ and leaves the singular vectors alone, so X converges to U·Vᵀ.
 *
 * <p>Plain Newton–Schulz (a = 3/2, b = −1/2) grows a small σ by only 1.5× per step. Here each step uses
 * the cubic that best maps the current interval [ℓ, 1] of singular values towards 1 (the equioscillating
 * minimax odd cubic, as in Chen &amp; Chow 2014 and Amsel et al. 2025 "Polar Express"): about 2.6× per
 * step while ℓ is small, and plain Newton–Schulz (quadratic convergence) once ℓ ≈ 1.
 *
 * <p>Scaled start: X₀ = C / sqrt(‖CᵀC‖_F), a guaranteed upper bound on σ_max (all σ ≤ 1, which the
 * cubics need), and ℓ₀ from a Cholesky-based inverse iteration on X₀ᵀX₀ (an overestimate of σ_min costs a
 * few extra steps, nothing else); when X₀ᵀX₀ is not numerically positive definite (κ(C) &gt; ~1e8, or C
 * rank-deficient) ℓ₀ = 1e-8. Stop: once ‖XᵀX − I‖_max ≤ 1e-7 one more Newton–Schulz step squares the
 * error, then a QR re-orthonormalizes. The iteration works on C itself, so it is as accurate as dgesdd
 * (about ε·κ(C)) however ill-conditioned C is. Zero singular values never converge: after maxIterations
 * the solver falls back to {@link EigenProcrustesSolver}, which completes null spaces.
 *
 * <p>Each step costs one dsyrk and one dgemm (3·d³ flops); it needs about log₂.₆(κ) + 4 steps. GEMMs
 * scale with cores better than LAPACK's eigensolvers, so this solver gains on wide drivers.
 */
public final class NewtonSchulzProcrustesSolver implements ProcrustesSolver {
    private static final Logger LOG = LoggerFactory.getLogger(NewtonSchulzProcrustesSolver.class);

    /** Below this ‖XᵀX − I‖_max one Newton–Schulz step reaches rounding level (error ↦ ~0.75·error²). */
    private static final double FINAL_STEP_DEVIATION = 1e-7;
    /** The smallest assumed σ_min: keeps the cubic's root above rounding noise of the upper bound. */
    private static final double MIN_LOWER_BOUND = 1e-8;
    private static final int INVERSE_ITERATIONS = 20;

    /**
     * How the iteration ended: r (d, d) row-major, re-orthonormalized; deviation = ‖XᵀX − I‖_max before the
     * last step.
     */
    public record Result(double[] r, int iterations, double deviation, boolean converged) {
    }

    private final int maxIterations;

    /** At most 60 steps (κ = 1e8 needs about 25, κ = 1e12 about 40). */
    public NewtonSchulzProcrustesSolver() {
        this(60);
    }

    public NewtonSchulzProcrustesSolver(int maxIterations) {
        checkArgument(maxIterations >= 1, "Cannot iterate Newton–Schulz at most %d times: need at least 1",
                maxIterations);
        this.maxIterations = maxIterations;
    }

    @Override
    public double[] solve(double[] c, int d) {
        Result result = iterate(c, d);
        if (result.converged()) {
            LOG.debug("Newton–Schulz polar iteration converged in {} steps (d = {})", result.iterations(), d);
            return result.r();
        }
        LOG.warn("Newton–Schulz polar iteration did not converge (d = {}, {} steps, ‖XᵀX − I‖_max = {}): "
                + "C is rank-deficient or too ill-conditioned; falling back to the eigen solver", d,
                result.iterations(), result.deviation());
        return new EigenProcrustesSolver().solve(c, d);
    }

    /** The polar iteration itself, without fallback. */
    public Result iterate(double[] c, int d) {
        double[] x = ProcrustesInput.scaledCopy(c, d); // (d, d) X ∝ C
        double[] g = DenseLinearAlgebra.gram(x, d, d); // (d, d) XᵀX
        // σ_max² = λ_max(XᵀX) ≤ ‖XᵀX‖_F: scale so that every σ ≤ 1 (the margin covers rounding)
        double bound = MatrixNorms.frobenius(g) * (1 + 1e-12);
        scale(x, 1.0 / Math.sqrt(bound));
        scale(g, 1.0 / bound);
        // XᵀX not numerically positive definite: κ(C) > ~1e8 or C rank-deficient; assume the floor
        double lower = estimateSmallestSingularValue(g, d).orElse(MIN_LOWER_BOUND);

        double[] p = new double[x.length]; // (d, d) a·I + b·XᵀX
        double[] next = new double[x.length]; // (d, d)
        double deviation = Double.NaN;
        for (int step = 1; step <= maxIterations; step++) {
            deviation = Orthogonality.maxDeviationOfGram(g, d);
            boolean last = deviation <= FINAL_STEP_DEVIATION;
            Cubic cubic = last ? Cubic.NEWTON_SCHULZ : Cubic.minimaxOn(lower);
            // X ← X·(a·I + b·XᵀX): σ ↦ a·σ + b·σ³
            for (int i = 0; i < p.length; i++) {
                p[i] = cubic.b() * g[i];
            }
            for (int i = 0; i < d; i++) {
                p[i * d + i] += cubic.a();
            }
            DenseLinearAlgebra.gemm(false, false, d, d, d, 1.0, x, p, 0.0, next);
            double[] swap = x;
            x = next;
            next = swap;
            if (last) {
                return new Result(Orthonormalization.reorthonormalize(x, d), step, deviation, true);
            }
            lower = cubic.nextLower();
            DenseLinearAlgebra.gram(x, d, d, g);
        }
        return new Result(Orthonormalization.reorthonormalize(x, d), maxIterations, deviation, false);
    }

    @Override
    public String name() {
        return "newton-schulz";
    }

    /**
     * σ ↦ a·σ + b·σ³, normalized so it maps [ℓ, 1] into [nextLower, 1].
     *
     * <p>The minimax odd cubic for the constant 1 on [ℓ, 1] equioscillates at ℓ, x* and 1 with
     * p(ℓ) = p(1) = 1 − E and p(x*) = 1 + E, where p'(x*) = 0. Writing b = −β gives a = β·(1 + ℓ + ℓ²),
     * x*² = (1 + ℓ + ℓ²)/3 and β = 2 / (ℓ + ℓ² + 2·x*³). Dividing by 1 + E keeps every σ ≤ 1; the new
     * interval is [(1 − E)/(1 + E), 1]. At ℓ = 1 this is Newton–Schulz (a, b) = (3/2, −1/2).
     */
    record Cubic(double a, double b, double nextLower) {
        static final Cubic NEWTON_SCHULZ = new Cubic(1.5, -0.5, 1.0);

        static Cubic minimaxOn(double lower) {
            double l = Math.min(Math.max(lower, MIN_LOWER_BOUND), 1.0);
            double s = 1 + l + l * l;
            double xStar = Math.sqrt(s / 3);
            double beta = 2 / (l + l * l + 2 * xStar * xStar * xStar);
            double valueAtEnds = beta * (l + l * l); // p(ℓ) = p(1) = 1 − E
            double top = 2 - valueAtEnds; // p(x*) = 1 + E
            return new Cubic(beta * s / top, -beta / top, Math.min(valueAtEnds / top, 1.0));
        }
    }

    /**
     * A lower estimate of σ_min(X) = sqrt(λ_min(XᵀX)): inverse iteration with a Cholesky factor; empty when
     * XᵀX is not numerically positive definite. Power iteration on (XᵀX)⁻¹ underestimates its largest
     * eigenvalue, i.e. overestimates λ_min; halving the root makes an overestimate of σ_min unlikely.
     */
    private static Optional<Double> estimateSmallestSingularValue(double[] g, int d) {
        Optional<DenseLinearAlgebra.Cholesky> cholesky = DenseLinearAlgebra.cholesky(g, d);
        if (cholesky.isEmpty()) {
            return Optional.empty();
        }
        double[] v = new double[d]; // (d) unit start vector, fixed seed: the solver is deterministic
        Random random = new Random(0x5EEDL);
        for (int i = 0; i < d; i++) {
            v[i] = random.nextGaussian();
        }
        double growth = normalize(v);
        for (int k = 0; k < INVERSE_ITERATIONS; k++) {
            cholesky.get().solveInPlace(v); // v ← (XᵀX)⁻¹·v
            growth = normalize(v); // → λ_max((XᵀX)⁻¹) = 1 / λ_min from below
        }
        if (!(growth > 0) || Double.isInfinite(growth)) {
            return Optional.empty();
        }
        return Optional.of(0.5 * Math.sqrt(1.0 / growth));
    }

    private static double normalize(double[] v) {
        double norm = MatrixNorms.frobenius(v);
        scale(v, 1.0 / norm);
        return norm;
    }

    private static void scale(double[] a, double factor) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= factor;
        }
    }
}
