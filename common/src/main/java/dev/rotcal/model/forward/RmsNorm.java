package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * RMSNorm as in HF LLaMA: y = x · rsqrt(mean(x²) + eps) · gain, split in two steps so the rows before the
 * gain — DFRot's calibration rows x / rms(x), whose gain is folded into the next linears — can be kept.
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * Normalizes every row without a gain: out[r] = x[r] / sqrt(mean(x[r]²) + eps).
     *
     * @param x    (rows, dim) row-major
     * @param out  (rows, dim) row-major; may be {@code x}
     */
    public static void normalize(float[] x, float[] out, int rows, int dim, double eps) {
        long size = Math.multiplyExact((long) rows, dim);
        checkArgument(x.length >= size && out.length >= size,
                "Cannot RMS-normalize a (%d, %d) block: arrays hold %d and %d floats", rows, dim, x.length,
                out.length);
        checkArgument(eps >= 0, "Cannot RMS-normalize with eps %s: must be >= 0 (rms_norm_eps)", eps);
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            // mean of squares in double: the rows of a real model carry values ~1000× the median
            double sumSq = 0;
            for (int c = 0; c < dim; c++) {
                double v = x[off + c];
                sumSq += v * v;
            }
            double invRms = 1.0 / Math.sqrt(sumSq / dim + eps);
            for (int c = 0; c < dim; c++) {
                out[off + c] = (float) (x[off + c] * invRms);
            }
        }
    }

    /**
     * Multiplies every row by the norm gain in place: x[r][c] *= gain[c].
     *
     * @param x     (rows, dim) row-major, updated in place
     * @param gain  (dim) the RMSNorm weight
     */
    public static void applyGain(float[] x, int rows, float[] gain) {
        int dim = gain.length;
        checkArgument(x.length >= Math.multiplyExact((long) rows, dim),
                "Cannot apply a norm gain of %d values to %d rows: the block holds %d floats", dim, rows,
                x.length);
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            for (int c = 0; c < dim; c++) {
                x[off + c] *= gain[c];
            }
        }
    }

    /**
     * The full HF RMSNorm into a new block: x · rsqrt(mean(x²) + eps) · gain.
     *
     * @param x     (rows, dim) row-major
     * @param gain  (dim) the RMSNorm weight
     * @return (rows, dim) row-major
     */
    public static float[] normalizeWithGain(float[] x, int rows, float[] gain, double eps) {
        float[] out = new float[Math.multiplyExact(rows, gain.length)];
        normalize(x, out, rows, gain.length, eps);
        applyGain(out, rows, gain);
        return out;
    }
}
