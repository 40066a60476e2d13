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
