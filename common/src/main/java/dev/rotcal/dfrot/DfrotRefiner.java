package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.Eta;

import dev.rotcal.linalg.Orthogonality;
import dev.rotcal.linalg.ProcrustesSolver;
import dev.rotcal.linalg.RandomOrthogonal;
import dev.rotcal.linalg.RandomizedHadamard;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DFRot's refinement of the residual rotation R1 on rows held in memory: the reference the distributed
 * refine stage follows (reference/DFROT.md, "The loop").
 *
 * <pre>
 * R = R0 (randomized Hadamard, or random orthogonal)
 * repeat `iterations` times (no early stop):
 *     B = Q(A_w·R)           quantize the weighted rotated rows: scales and codes frozen in B
 *     C = A_wᵀ·B
 *     R = U·Vᵀ of SVD(C)     orthogonal Procrustes, argmin over orthogonal R of ‖A_w·R − B‖_F
 * </pre>
 * A_w is the rows with the massive ones multiplied by α, so their error weighs α² in the loss
 * Σ_common ‖x·R − Q(x·R)‖² + α²·Σ_massive ‖x·R − Q(x·R)‖². The alternation is not guaranteed to lower the
 * loss at every step (the quantizer's scales move with R): the loss is logged and recorded, not asserted.
 */
public final class DfrotRefiner {
    private static final Logger LOG = LoggerFactory.getLogger(DfrotRefiner.class);
    /** The starting rotation R0. */
    public enum Init {
        /** D·H/√d, DFRot's default. */
        RANDOMIZED_HADAMARD,
        /** QR of a Gaussian matrix with the sign fix. */
        RANDOM_ORTHOGONAL
    }

    /**
     * How to refine.
     *
     * @param iterations number of Procrustes steps (DFRot: 100, no early stop)
     * @param alpha      weight of the massive rows (DFRot: 100; 1 is plain Procrustes)
     * @param init       starting rotation
     * @param seed       seed of the starting rotation
     * @param solver     the Procrustes solve R = U·Vᵀ of SVD(C)
     */
    public record Settings(int iterations, double alpha, Init init, long seed, ProcrustesSolver solver) {
        public Settings {
            checkArgument(iterations >= 0, "Cannot refine for %d iterations: must be >= 0", iterations);
            checkArgument(alpha > 0 && alpha <= Float.MAX_VALUE,
                    "Cannot weight massive rows by alpha = %s: must be finite and > 0 (DFRot uses 100)", alpha);
            Objects.requireNonNull(init, "init");
            Objects.requireNonNull(solver, "solver");
        }

        /** DFRot's recipe: 100 iterations, α = 100, from a randomized Hadamard with seed 0. */
        public static Settings defaults() {
            return new Settings(100, 100, Init.RANDOMIZED_HADAMARD, 0, ProcrustesSolver.defaultSolver());
        }

        public Settings withIterations(int value) {
            return new Settings(value, alpha, init, seed, solver);
        }

        public Settings withAlpha(double value) {
            return new Settings(iterations, value, init, seed, solver);
        }

        public Settings withInit(Init value, long seedValue) {
            return new Settings(iterations, alpha, value, seedValue, solver);
        }

        public Settings withSolver(ProcrustesSolver value) {
            return new Settings(iterations, alpha, init, seed, value);
        }
    }

    /**
     * One Procrustes step.
     *
     * @param iteration              1-based step number
     * @param loss                   the loss at the rotation the step started from
     * @param maxDelta               max |R_new − R| over entries
     * @param orthogonalityDeviation ‖R_newᵀ·R_new − I‖_max
     * @param seconds                wall time of the step (accumulate + solve)
     * @param solveSeconds           of which the Procrustes solve on the driver (does not shrink with executors)
     * @param pass                   of which the pass over the rows, split (broadcast, executors, driver merge), or
     *                               null when the rows do not report it
     */
    public record Iteration(int iteration, ProcrustesLoss loss, double maxDelta, double orthogonalityDeviation,
                            double seconds, double solveSeconds, PassSeconds pass) {
        /** Without the pass's split (rows that do not report it). */
        public Iteration(int iteration, ProcrustesLoss loss, double maxDelta, double orthogonalityDeviation,
                         double seconds, double solveSeconds) {
            this(iteration, loss, maxDelta, orthogonalityDeviation, seconds, solveSeconds, null);
        }
    }

    /**
     * What a refinement gives.
     *
     * @param rotation  (d, d) row-major refined R; rotated row = x·R
     * @param history   one entry per step; entry k holds the loss at R_(k−1), so entry 1 is R0's
     * @param finalLoss the loss at the returned rotation
     */
    public record Result(double[] rotation, List<Iteration> history, ProcrustesLoss finalLoss) {
        /** The weighted loss at R0, then after every step: iterations + 1 values. */
        public double[] lossCurve() {
            double[] curve = new double[history.size() + 1];
            for (int k = 0; k < history.size(); k++) {
                curve[k] = history.get(k).loss().weightedTotal();
            }
            curve[history.size()] = finalLoss.weightedTotal();
            return curve;
        }

        /** True when no step raised the weighted loss. */
        public boolean monotone() {
            double[] curve = lossCurve();
            for (int k = 1; k < curve.length; k++) {
                if (curve[k] > curve[k - 1]) {
                    return false;
                }
            }
            return true;
        }

        /** Per-class errors at R0. */
        public ClassErrorSums initialErrors() {
            return history.isEmpty() ? finalLoss.errors() : history.get(0).loss().errors();
        }

        /** Per-class errors at the refined rotation. */
        public ClassErrorSums finalErrors() {
            return finalLoss.errors();
        }
    }

    private final Settings settings;

    public DfrotRefiner(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** R0 of these settings, (d, d) row-major. */
    public double[] initialRotation(int d) {
        return switch (settings.init()) {
            case RANDOMIZED_HADAMARD -> RandomizedHadamard.matrix(d, settings.seed());
            case RANDOM_ORTHOGONAL -> RandomOrthogonal.matrix(d, settings.seed());
        };
    }

    /**
     * Where a refinement starts: R0 and no history, or (resuming) the rotation after the steps already done.
     *
     * @param rotation (d, d) row-major rotation to start from
     * @param history  the steps already done (empty for a fresh start)
     */
    public record Start(double[] rotation, List<Iteration> history) {
        public static Start fresh(double[] r0) {
            return new Start(r0, List.of());
        }
    }

    /** Called after every step with the rotation it produced (the refine stage checkpoints from here). */
    public interface StepListener {
        void afterStep(Iteration step, double[] rotation);
    }

    /**
     * Refines R on rows held in memory.
     *
     * @param rows    (nRows, d) row-major normalized rows A (not weighted)
     * @param massive (nRows) which rows are massive (weighted by α)
     */
    public Result refine(float[] rows, int nRows, int d, boolean[] massive) {
        InMemoryRows data = new InMemoryRows(rows, nRows, d, massive, settings.alpha());
        return refine(data, Start.fresh(initialRotation(d)), (step, r) -> { });
    }

    /**
     * DFRot's loop from {@code start} to {@code settings.iterations()} steps, on any row set.
     *
     * @param rows     the data side: C and loss at a rotation (rows weighted by this settings' α)
     * @param start    R0 (or the rotation of a resumed run and its history)
     * @param listener told of every step
     */
    public Result refine(WeightedRows rows, Start start, StepListener listener) {
        int d = rows.d();
        checkArgument(start.rotation().length == Math.multiplyExact(d, d),
                "Cannot start a refinement of width %d from a rotation of %d values", d, start.rotation().length);
        checkArgument(start.history().size() <= settings.iterations(),
                "Cannot resume a refinement after %d steps: only %d are configured", start.history().size(),
                settings.iterations());
        LOG.info("DFRot refine: rows of width {} with massive rows weighted by alpha = {}; R0 = {} (seed {}); {} "
                        + "iterations{}, solver {}", d, settings.alpha(), settings.init(), settings.seed(),
                settings.iterations(), start.history().isEmpty() ? "" : " resumed after " + start.history().size(),
                settings.solver().name());

        double[] r = start.rotation(); // (d, d) row-major
        List<Iteration> history = new ArrayList<>(start.history());
        int first = history.size() + 1;
        long loopStart = System.nanoTime();
        for (int k = first; k <= settings.iterations(); k++) {
            long begin = System.nanoTime();
            // B = Q(A_w·R) and C = A_wᵀ·B, with the loss at R
            ProcrustesAccumulator accumulator = rows.accumulate(r);
            // R = U·Vᵀ of SVD(C), re-orthonormalized
            long solveStart = System.nanoTime();
            double[] next = settings.solver().solve(accumulator.crossProduct(), d);
            long solveEnd = System.nanoTime();
            Iteration step = new Iteration(k, accumulator.loss(), maxAbsDifference(next, r),
                    Orthogonality.maxDeviation(next, d), (solveEnd - begin) / 1e9, (solveEnd - solveStart) / 1e9,
                    rows.lastPass().orElse(null));
            history.add(step);
            double perStep = (System.nanoTime() - loopStart) / 1e9 / (k - first + 1);
            logStep(step, perStep * (settings.iterations() - k));
            r = next;
            listener.afterStep(step, r);
        }
        ProcrustesLoss finalLoss = rows.accumulate(r).loss();
        Result result = new Result(r, List.copyOf(history), finalLoss);
        logSummary(result);
        return result;
    }

    /** One line per iteration, with the time left at this run's mean pace ({@code etaSeconds}). */
    private void logStep(Iteration step, double etaSeconds) {
        ProcrustesLoss loss = step.loss();
        LOG.info("iteration {}/{}: loss {} (common {}, massive alpha²·{}), mean error common {} massive {}, "
                        + "weighted rows {}, max|dR| {}, max|RᵀR - I| {}, {} s ({} s), ETA {}",
                step.iteration(), settings.iterations(), fmt(loss.weightedTotal()), fmt(loss.weightedCommon()),
                fmt(loss.squaredMassive()), fmt(loss.errors().commonMean()), fmt(loss.errors().massiveMean()),
                loss.errors().massiveRows(), fmt(step.maxDelta()), fmt(step.orthogonalityDeviation()),
                String.format("%.3f", step.seconds()), step.pass() == null
                        ? String.format("solve %.3f", step.solveSeconds())
                        : String.format("executors %.3f, driver merge %.3f, broadcast %.3f, solve %.3f",
                                step.pass().tasks(), step.pass().merge(), step.pass().broadcast(), step.solveSeconds()),
                Eta.format(etaSeconds));
    }

    private void logSummary(Result result) {
        double[] curve = result.lossCurve();
        int best = 0;
        for (int k = 1; k < curve.length; k++) {
            best = curve[k] < curve[best] ? k : best;
        }
        double seconds = result.history().stream().mapToDouble(Iteration::seconds).sum();
        double solve = result.history().stream().mapToDouble(Iteration::solveSeconds).sum();
        LOG.info("DFRot refine done: {} iterations (no early stop); weighted loss {} -> {} (min {} after step {}), "
                        + "{}; mean error common {} -> {}, massive {} -> {}; {} s in the steps, the driver's solve {} %",
                settings.iterations(), fmt(curve[0]),
                fmt(curve[curve.length - 1]), fmt(curve[best]), best, result.monotone() ? "monotone" : "not monotone",
                fmt(result.initialErrors().commonMean()), fmt(result.finalErrors().commonMean()),
                fmt(result.initialErrors().massiveMean()), fmt(result.finalErrors().massiveMean()),
                String.format("%.1f", seconds), String.format("%.0f", seconds > 0 ? 100 * solve / seconds : 0));
    }

    private static String fmt(double v) {
        return String.format("%.5g", v);
    }

    private static double maxAbsDifference(double[] a, double[] b) {
        double max = 0;
        for (int k = 0; k < a.length; k++) {
            max = Math.max(max, Math.abs(a[k] - b[k]));
        }
        return max;
    }
}
