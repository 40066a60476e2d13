package dev.rotcal.linalg;

/**
 * Procrustes by the textbook route: the SVD C = U·Σ·Vᵀ (LAPACK divide and conquer, dgesdd or sgesdd),
 * then R = U·Vᵀ and a QR re-orthonormalization. The reference for accuracy: backward stable, error about
 * ε·κ(C) in its precision. Slowest of the solvers at large d.
 */
public final class SvdProcrustesSolver implements ProcrustesSolver {
    private final Precision precision;

    /** The SVD in double (dgesdd). */
    public SvdProcrustesSolver() {
        this(Precision.DOUBLE);
    }

    /** The SVD in the given precision: DOUBLE (dgesdd) or FLOAT (sgesdd, on a float copy of C). */
    public SvdProcrustesSolver(Precision precision) {
        this.precision = precision;
    }

    @Override
    public double[] solve(double[] c, int d) {
        double[] x = ProcrustesInput.scaledCopy(c, d); // (d, d) C / max|C|
        DenseLinearAlgebra.Svd svd = DenseLinearAlgebra.svd(x, d, precision);
        double[] r = new double[x.length]; // (d, d) R = U·Vᵀ, in double even after a float SVD
        DenseLinearAlgebra.gemm(false, false, d, d, d, 1.0, svd.u(), svd.vt(), 0.0, r);
        return Orthonormalization.reorthonormalize(r, d);
    }

    @Override
    public String name() {
        return precision == Precision.DOUBLE ? "svd-dgesdd" : "svd-sgesdd";
    }
}
