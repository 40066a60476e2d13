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
        return positiveQr(r, d).q();
    }

    /**
     * A = Q·T with diag(T) ≥ 0: LAPACK's Householder QR, then column j of Q and row j of T negated where
     * T_jj &lt; 0. This makes the factorization unique for a nonsingular A.
     *
     * @param a (d, d) row-major, not modified
     */
    static DenseLinearAlgebra.Qr positiveQr(double[] a, int d) {
        DenseLinearAlgebra.Qr qr = DenseLinearAlgebra.qr(a, d);
        double[] q = qr.q(); // (d, d) row-major
        double[] t = qr.r(); // (d, d) row-major upper triangular
        for (int j = 0; j < d; j++) {
            if (t[j * d + j] < 0) {
                for (int i = 0; i < d; i++) {
                    q[i * d + j] = -q[i * d + j];
                    t[j * d + i] = -t[j * d + i];
                }
            }
        }
        return qr;
    }
}
