package dev.rotcal.linalg;

/**
 * Re-orthonormalization of a nearly orthogonal matrix by QR, with the sign convention that makes it
 * unique: R = Q·T with diag(T) &gt; 0, return Q. An exactly orthogonal input comes back unchanged (to
 * rounding), and a product of many rotations that drifted off orthogonality comes back orthogonal. The QR
 * works column by column (Gram–Schmidt order): column 0 keeps its direction, later columns absorb the
 * correction.
 */
public final class Orthonormalization {
    private Orthonormalization() {
    }

    /**
     * The orthogonal factor Q of R = Q·T (dgeqrf + dorgqr) with diag(T) &gt; 0.
     *
     * @param r (d, d) row-major, not modified
     * @return (d, d) row-major orthogonal
     */
    public static double[] reorthonormalize(double[] r, int d) {
        DenseLinearAlgebra.Qr qr = DenseLinearAlgebra.qr(r, d);
        return signFixed(qr, d);
    }

    /**
     * Q·diag(sign(diag(T))) for a QR factorization A = Q·T, so that A = Q'·T' with diag(T') ≥ 0 (a zero
     * diagonal entry counts as positive). This makes Q unique for a nonsingular A.
     */
    static double[] signFixed(DenseLinearAlgebra.Qr qr, int d) {
        double[] q = qr.q(); // (d, d) row-major
        for (int j = 0; j < d; j++) {
            if (qr.rDiagonal()[j] < 0) {
                for (int i = 0; i < d; i++) {
                    q[i * d + j] = -q[i * d + j];
                }
            }
        }
        return q;
    }
}
