package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

/** How far a square matrix is from orthogonal. */
public final class Orthogonality {
    private Orthogonality() {
    }

    /**
     * ‖RᵀR − I‖_max, the largest absolute entry of RᵀR − I, with RᵀR formed in double by BLAS (dsyrk).
     * About 1e-15·√d for an orthogonal matrix computed in double, about 1e-7 for one stored in float.
     *
     * @param r (d, d) row-major
     */
    public static double maxDeviation(double[] r, int d) {
        checkArgument(d >= 1 && r.length == Math.multiplyExact(d, d),
                "Cannot measure orthogonality of a (%d, %d) matrix: the array holds %d values", d, d, r.length);
        return maxDeviationOfGram(DenseLinearAlgebra.gram(r, d, d), d);
    }

    /**
     * ‖G − I‖_max of a Gram matrix G = RᵀR.
     *
     * @param g (d, d) row-major
     */
    static double maxDeviationOfGram(double[] g, int d) {
        double max = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double deviation = Math.abs(g[i * d + j] - (i == j ? 1.0 : 0.0));
                // NaN must not hide behind Math.max's ordering: report it
                if (!(deviation <= max)) {
                    max = deviation;
                }
            }
        }
        return max;
    }
}
