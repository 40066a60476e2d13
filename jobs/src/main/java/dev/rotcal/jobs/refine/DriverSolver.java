package dev.rotcal.jobs.refine;

import dev.rotcal.jobs.config.RefineSettings;
import dev.rotcal.linalg.AdaptiveProcrustesSolver;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.EigenProcrustesSolver;
import dev.rotcal.linalg.NewtonSchulzProcrustesSolver;
import dev.rotcal.linalg.Precision;
import dev.rotcal.linalg.ProcrustesSolver;
import dev.rotcal.linalg.SvdProcrustesSolver;

/**
 * The configured Procrustes solver, run on the driver with a fixed number of BLAS threads: the BLAS thread
 * count is per JVM, and in local mode the executors' tasks (one BLAS thread each) share the driver's JVM.
 * A fixed count also keeps LAPACK's results identical from run to run.
 */
public final class DriverSolver implements ProcrustesSolver {
    private final ProcrustesSolver solver;
    private final int threads;

    public DriverSolver(RefineSettings.Solver choice, int threads) {
        this(choice, threads, -1, 0);
    }

    /** @param rows the calibration rows behind C when known (else -1), @param d its order */
    public DriverSolver(RefineSettings.Solver choice, int threads, long rows, int d) {
        this.solver = switch (choice) {
            case AUTO -> AdaptiveProcrustesSolver.forRows(rows, d);
            case SVD -> new SvdProcrustesSolver(Precision.DOUBLE);
            case EIGEN -> new EigenProcrustesSolver();
            case NEWTON_SCHULZ -> new NewtonSchulzProcrustesSolver();
        };
        this.threads = threads;
    }

    @Override
    public double[] solve(double[] c, int d) {
        DenseLinearAlgebra.setBlasThreads(threads);
        return solver.solve(c, d);
    }

    @Override
    public String name() {
        return solver.name() + " (" + threads + " BLAS threads)";
    }
}
