package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * Integer fake quantization (quantize then dequantize) over dense float blocks, QuaRot/DFRot conventions
 * (reference/FORMATS.md). Rounding is round-half-to-even ({@link Math#rint}), as torch.round.
 */
public final class IntQuantizer {
    private IntQuantizer() {
    }

    /**
     * Symmetric per-row (per-token) fake quantization: for every row, s = clip · max|x| / maxq with
     * maxq = 2^(bits−1) − 1, a zero scale treated as 1, and x̂ = clamp(rint(x / s), −(maxq+1), maxq) · s.
     * This is the quantizer inside DFRot's loss (bits = 4, clip = 1).
     *
     * @param src  (rows, cols) row-major input
     * @param dst  (rows, cols) row-major output; may be {@code src}
     */
    public static void fakeQuantSymmetricPerRow(float[] src, float[] dst, int rows, int cols, int bits,
                                                float clipRatio) {
        checkArgument(bits >= 2 && bits <= 16, "Cannot quantize to %d bits: supported 2..16", bits);
        checkArgument(clipRatio > 0f && clipRatio <= 1f,
                "Cannot quantize with clip ratio %s: must be in (0, 1]", clipRatio);
        long size = Math.multiplyExact((long) rows, cols);
        checkArgument(src.length >= size && dst.length >= size,
                "Cannot quantize a (%d, %d) block: arrays hold %d and %d floats", rows, cols, src.length,
                dst.length);
        float maxq = (1 << (bits - 1)) - 1;
        float minq = -(maxq + 1);
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float amax = 0f;
            for (int c = 0; c < cols; c++) {
                amax = Math.max(amax, Math.abs(src[off + c]));
            }
            float scale = clipRatio * amax / maxq;
            if (scale == 0f) {
                scale = 1f;
            }
            for (int c = 0; c < cols; c++) {
                // divide (not multiply by 1/s) so ties round exactly as torch's x / s does
                float q = (float) Math.rint(src[off + c] / scale);
                dst[off + c] = Math.min(Math.max(q, minq), maxq) * scale;
            }
        }
    }
}
