package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

/** Validation and scaling of a Procrustes input C shared by the solvers. */
final class ProcrustesInput {
    private ProcrustesInput() {
    }

    /**
     * C / max|c_ij|, a fresh copy. The polar factor does not depend on C's scale; this keeps CᵀC and
     * float copies far from overflow whatever α and the row count made C's magnitude.
     *
     * @param c (d, d) row-major
     * @return (d, d) row-major, entries in [−1, 1]
     */
    static double[] scaledCopy(double[] c, int d) {
        checkArgument(d >= 1, "Cannot solve Procrustes of order %d: the order must be positive", d);
        checkArgument(c.length == Math.multiplyExact(d, d),
                "Cannot solve Procrustes for a (%d, %d) C: the array holds %d values", d, d, c.length);
        double max = 0;
        for (int i = 0; i < c.length; i++) {
            if (!Double.isFinite(c[i])) { // no varargs per entry: this loop runs over d² values
                checkArgument(false, "Cannot solve Procrustes: C[%d][%d] = %s is not finite (did the accumulation "
                        + "of Aᵀ·B overflow or see a NaN row?)", i / d, i % d, c[i]);
            }
            max = Math.max(max, Math.abs(c[i]));
        }
        checkArgument(max > 0, "Cannot solve Procrustes: C = Aᵀ·B is all zeros (were any rows accumulated?)");
        double[] x = new double[c.length];
        double inverse = 1.0 / max;
        for (int i = 0; i < c.length; i++) {
            x[i] = c[i] * inverse;
        }
        return x;
    }
}
