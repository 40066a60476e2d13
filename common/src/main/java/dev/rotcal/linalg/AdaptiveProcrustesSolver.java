package dev.rotcal.linalg;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default solver of a refinement: {@link EigenProcrustesSolver} (the fastest at equal accuracy) until
 * one C proves too ill-conditioned for the normal equations, then dgesdd for every later solve of this
 * instance, instead of paying for the eigen attempt and the fallback at every step (the C of consecutive
 * DFRot steps are alike: rank-deficient rows stay rank-deficient). One instance per refinement.
 */
public final class AdaptiveProcrustesSolver implements ProcrustesSolver {
    private static final Logger LOG = LoggerFactory.getLogger(AdaptiveProcrustesSolver.class);

    private final EigenProcrustesSolver eigen = new EigenProcrustesSolver();
    private final SvdProcrustesSolver svd = new SvdProcrustesSolver(Precision.DOUBLE);
    private volatile boolean svdFromNowOn;

    /**
     * The default solver for a C summed from {@code rows} rows of width {@code d} (rows &lt; 0: unknown). With fewer
     * rows than d, C has rank &lt; d and CᵀC is singular: the normal equations cannot work, so dgesdd from the first
     * step instead of after a failed eigen attempt (at d = 8192 that attempt cost 4 of a 9-minute step).
     */
    public static AdaptiveProcrustesSolver forRows(long rows, int d) {
        AdaptiveProcrustesSolver solver = new AdaptiveProcrustesSolver();
        if (rows >= 0 && rows < d) {
            solver.svdFromNowOn = true;
            LOG.info("Procrustes (d = {}): C comes from {} rows, fewer than d, so it is rank-deficient; using dgesdd",
                    d, rows);
        }
        return solver;
    }

    @Override
    public double[] solve(double[] c, int d) {
        if (svdFromNowOn) {
            return svd.solve(c, d);
        }
        double[] r = eigen.solve(c, d);
        if (eigen.fellBackOnLastSolve()) {
            svdFromNowOn = true;
            LOG.info("Procrustes (d = {}): C is too ill-conditioned for the eigen solver; using dgesdd for the "
                    + "remaining steps", d);
        }
        return r;
    }

    /** True once the solver has switched to dgesdd. */
    public boolean usesSvd() {
        return svdFromNowOn;
    }

    @Override
    public String name() {
        return svdFromNowOn ? "auto (now svd-dgesdd)" : "auto (eigen-dsyevd until C is too ill-conditioned)";
    }
}
