package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

/** Entry-wise norms of dense matrices stored as flat arrays (any shape). */
public final class MatrixNorms {
    private MatrixNorms() {
    }

    /** ‖A‖_max = max |a_ij|; NaN if any entry is NaN. */
    public static double maxAbs(double[] a) {
        double max = 0;
        for (double x : a) {
            double v = Math.abs(x);
            if (!(v <= max)) {
                max = v;
            }
        }
        return max;
    }

    /** ‖A − B‖_max = max |a_ij − b_ij| over two matrices of the same shape; NaN if any difference is NaN. */
    public static double maxAbsDifference(double[] a, double[] b) {
        checkArgument(a.length == b.length, "Cannot compare matrices of %d and %d values: shapes differ",
                a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double v = Math.abs(a[i] - b[i]);
            if (!(v <= max)) {
                max = v;
            }
        }
        return max;
    }

    /** ‖A‖_F = sqrt(Σ a_ij²), accumulated in double. */
    public static double frobenius(double[] a) {
        double sum = 0;
        for (double x : a) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
