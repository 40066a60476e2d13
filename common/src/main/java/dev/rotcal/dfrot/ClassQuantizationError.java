package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import java.util.Arrays;

/**
 * The evaluation of a rotation: per-class 4-bit symmetric per-token L2 error of rows rotated by R,
 * e = ‖x·R − Q(x·R)‖₂ with the loss quantizer, averaged separately over common and massive rows. R = identity
 * (NR), a random orthogonal (RO), a randomized Hadamard (RH) or DFRot's refined R give DFROT.md's table.
 */
public final class ClassQuantizationError {
    /** Rows rotated per GEMM, to bound the scratch memory. */
    static final int BLOCK_ROWS = 4096;

    private ClassQuantizationError() {
    }

    /**
     * Error sums of un-rotated rows (NR).
     *
     * @param rows    (nRows, d) row-major
     * @param massive (nRows) row classes
     */
    public static ClassErrorSums unrotated(float[] rows, int nRows, int d, boolean[] massive) {
        checkShapes(rows, nRows, d, massive);
        return sums(LossQuantizer.rowErrors(rows, nRows, d), massive, 0);
    }

    /**
     * Error sums of rows rotated by R.
     *
     * @param rows     (nRows, d) row-major
     * @param massive  (nRows) row classes
     * @param rotation (d, d) row-major; rotated row = x·R
     */
    public static ClassErrorSums rotated(float[] rows, int nRows, int d, boolean[] massive, double[] rotation) {
        checkShapes(rows, nRows, d, massive);
        checkArgument(rotation.length == Math.multiplyExact(d, d),
                "Cannot rotate rows of width %d: the rotation holds %d values, not d² = %d", d, rotation.length, d * d);
        float[] r = FloatGemm.toFloat(rotation); // (d, d) row-major
        ClassErrorSums total = ClassErrorSums.empty();
        for (int start = 0; start < nRows; start += BLOCK_ROWS) {
            int n = Math.min(BLOCK_ROWS, nRows - start);
            float[] block = Arrays.copyOfRange(rows, start * d, (start + n) * d); // (n, d)
            float[] y = FloatGemm.multiply(block, n, d, r, d);                   // (n, d) = x·R
            total = total.merge(sums(LossQuantizer.rowErrors(y, n, d), massive, start));
        }
        return total;
    }

    private static ClassErrorSums sums(double[] errors, boolean[] massive, int firstRow) {
        double common = 0;
        double heavy = 0;
        long commonRows = 0;
        long massiveRows = 0;
        for (int i = 0; i < errors.length; i++) {
            if (massive[firstRow + i]) {
                heavy += errors[i];
                massiveRows++;
            } else {
                common += errors[i];
                commonRows++;
            }
        }
        return new ClassErrorSums(common, commonRows, heavy, massiveRows);
    }

    private static void checkShapes(float[] rows, int nRows, int d, boolean[] massive) {
        checkArgument(d > 0 && rows.length >= Math.multiplyExact(nRows, d) && massive.length >= nRows,
                "Cannot evaluate %d rows of width %d: arrays hold %d floats and %d flags", nRows, d, rows.length,
                massive.length);
    }
}
