package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.QuantizationError;

/**
 * The quantizer inside DFRot's loss (reference/DFROT.md): 4-bit, symmetric, per token (per row), no groups,
 * clip ratio 1.0, so scale = max|x| / 7 and Q(x) = clamp(rint(x / scale), −8, 7) · scale. It is
 * scale-equivariant, Q(α·x) = α·Q(x), which is why up-weighting a row by α weighs its error by α².
 */
public final class LossQuantizer {
    /** Bits of the loss quantizer. */
    public static final int BITS = 4;
    /** Clip ratio of the loss quantizer (none). */
    public static final float CLIP_RATIO = 1f;
    /**
     * 1.5·2^23: for |v| ≤ 2^22, (v + ROUNDER) − ROUNDER is v rounded half-to-even to an integer, because the
     * sum lies in [2^23, 2^24) where the float spacing is 1 (Java float arithmetic rounds to nearest even).
     */
    private static final float ROUNDER = 0x1.8p23f;

    private LossQuantizer() {
    }

    /**
     * B = Q(Y), row by row.
     *
     * @param src (rows, d) row-major
     * @param dst (rows, d) row-major; may be {@code src}
     */
    public static void fakeQuant(float[] src, float[] dst, int rows, int d) {
        IntQuantizer.fakeQuantSymmetricPerRow(src, dst, rows, d, BITS, CLIP_RATIO);
    }

    /**
     * B = Q(y) for one row, and its squared error: the same values as {@link #fakeQuant} (up to the sign of
     * zero), in loops the JIT vectorizes. Codes are clamped before rounding, which gives the same code as
     * rounding first because the bounds are integers; rounding adds and subtracts {@link #ROUNDER} instead of
     * calling {@link Math#rint}, which does not vectorize.
     *
     * @param y    (…) holds the row at [yOff, yOff + d)
     * @param b    (…) receives Q(y) at [bOff, bOff + d); must not overlap the row of y
     * @return Σ_j (y_j − Q(y)_j)², summed in double
     */
    static double fakeQuantRow(float[] y, int yOff, float[] b, int bOff, int d) {
        return fakeQuantRow(y, yOff, b, bOff, d, BITS, CLIP_RATIO);
    }

    /**
     * As {@link #fakeQuantRow(float[], int, float[], int, int)} with another bit width and clip ratio (the
     * refine stage's {@code rotcal.refine.bits} / {@code clip-ratio}; DFRot's loss is 4 bits, clip 1):
     * scale = clip · max|y| / (2^(bits−1) − 1), codes in [−2^(bits−1), 2^(bits−1) − 1].
     */
    static double fakeQuantRow(float[] y, int yOff, float[] b, int bOff, int d, int bits, float clipRatio) {
        float maxCode = (1 << (bits - 1)) - 1;
        float minCode = -(maxCode + 1);
        // scale = clip · max|y| / maxq; an all-zero row keeps scale 1 (and quantizes to zeros)
        float amax = 0f;
        for (int j = yOff; j < yOff + d; j++) {
            amax = Math.max(amax, Math.abs(y[j]));
        }
        float scale = clipRatio * amax / maxCode;
        if (scale == 0f) {
            scale = 1f;
        }
        // b = clamp(rint(y / scale), minq, maxq) · scale
        for (int j = 0; j < d; j++) {
            float code = Math.min(Math.max(y[yOff + j] / scale, minCode), maxCode);
            b[bOff + j] = ((code + ROUNDER) - ROUNDER) * scale;
        }
        double squared = 0;
        for (int j = 0; j < d; j++) {
            double e = (double) y[yOff + j] - b[bOff + j];
            squared += e * e;
        }
        return squared;
    }

    /**
     * Per-row quantization error e = ‖x − Q(x)‖₂, in double.
     *
     * @param rows (nRows, d) row-major, not modified
     * @return (nRows) errors
     */
    public static double[] rowErrors(float[] rows, int nRows, int d) {
        int size = Math.multiplyExact(nRows, d);
        checkArgument(rows.length >= size, "Cannot measure errors of %d rows of width %d: the array holds %d floats",
                nRows, d, rows.length);
        float[] quantized = new float[size]; // (nRows, d) row-major
        fakeQuant(rows, quantized, nRows, d);
        return QuantizationError.rowL2Errors(rows, quantized, nRows, d);
    }
}
