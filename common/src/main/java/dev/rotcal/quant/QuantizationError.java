package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * Reconstruction errors between a block x and its quantized x̂ = Q(x), accumulated in double: the per-row
 * L2 error DFRot uses to classify tokens, and the block sums the scale / clip / format searches minimize.
 */
public final class QuantizationError {
    private QuantizationError() {
    }

    /**
     * Per-row L2 error e_r = ‖x_r − x̂_r‖₂.
     *
     * @param x         (rows, cols) row-major original
     * @param quantized (rows, cols) row-major Q(x)
     * @return (rows) errors
     */
    public static double[] rowL2Errors(float[] x, float[] quantized, int rows, int cols) {
        checkPair(x, quantized, rows, cols);
        double[] errors = new double[rows]; // (rows)
        for (int r = 0; r < rows; r++) {
            errors[r] = Math.sqrt(sumSquaredError(x, quantized, r * cols, cols));
        }
        return errors;
    }

    /**
     * Σ (x − x̂)² over [off, off+len) (one row, group or whole block).
     *
     * @param x         (n) original
     * @param quantized (n) Q(x)
     */
    public static double sumSquaredError(float[] x, float[] quantized, int off, int len) {
        checkRange(x, quantized, off, len);
        double sum = 0;
        for (int i = off; i < off + len; i++) {
            double d = (double) x[i] - quantized[i];
            sum += d * d;
        }
        return sum;
    }

    /**
     * Σ |x − x̂|^p over [off, off+len) (QuaRot's weight clip search uses p = 2.4).
     *
     * @param x         (n) original
     * @param quantized (n) Q(x)
     */
    public static double sumPowError(float[] x, float[] quantized, int off, int len, double p) {
        checkRange(x, quantized, off, len);
        checkArgument(p > 0 && Double.isFinite(p), "Cannot sum |error|^%s: the exponent must be finite and > 0", p);
        double sum = 0;
        for (int i = off; i < off + len; i++) {
            sum += Math.pow(Math.abs((double) x[i] - quantized[i]), p);
        }
        return sum;
    }

    private static void checkPair(float[] x, float[] quantized, int rows, int cols) {
        Shapes.checkHolds(x.length, rows, cols, "x");
        Shapes.checkHolds(quantized.length, rows, cols, "the quantized block");
    }

    private static void checkRange(float[] x, float[] quantized, int off, int len) {
        checkArgument(off >= 0 && len >= 0 && off + len <= x.length && off + len <= quantized.length,
                "Cannot measure the error over [%d, %d): arrays hold %d and %d floats", off, off + len, x.length,
                quantized.length);
    }
}
