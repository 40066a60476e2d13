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
