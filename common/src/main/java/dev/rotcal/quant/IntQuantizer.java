package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * Integer quantize / dequantize / fake-quantize (quantize then dequantize) over dense float blocks,
 * QuaRot/DFRot conventions (reference/FORMATS.md). Scales come from {@link IntScales}; this class only
 * applies them. Rounding is round-half-to-even ({@link Math#rint}), as torch.round, and x is divided by
 * s (not multiplied by 1/s) so ties fall exactly where torch's x / s puts them.
 *
 * <p>Codes are bytes: two's complement for symmetric schemes, unsigned (read with {@code b & 0xFF}) for
 * asymmetric ones. x̂ = s · (q − z) with q = clamp(rint(x / s) + z, minCode, maxCode).
 */
public final class IntQuantizer {
    private IntQuantizer() {
    }

    /**
     * Symmetric per-row (per-token) fake quantization: for every row, s = clip · max|x| / maxq with
     * maxq = 2^(bits−1) − 1, a zero scale treated as 1, and x̂ = clamp(rint(x / s), −(maxq+1), maxq) · s.
     * This is the quantizer inside DFRot's loss (bits = 4, clip = 1). A NaN in a row makes that row NaN.
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
            fakeQuantRun(src, dst, off, cols, scale, minq, maxq);
        }
    }

    /**
     * Asymmetric per-row (per-token) fake quantization for 2..16 bits, the activation and KV-cache quantizer
     * of W4A4KV4 evaluation (a KV head of head_dim values is one row of a (rows · kvHeads, headDim) view).
     * Per row, as {@link IntScales#ofRanges} for {@code IntScheme.perRow(bits, false, clipRatio)}:
     * [lo, hi] = clip · [min(x, 0), max(x, 0)], a zero range → [−1, +1], s = (hi − lo) / (2^b − 1) (0 → 1),
     * z = rint(−lo / s), x̂ = s · clamp(rint(x / s), −z, 2^b − 1 − z). Equals {@link #fakeQuant} with that
     * scheme for bits ≤ 8 and, unlike IntScheme (whose codes fit a byte), also runs 9..16 bits (a near-float
     * check of the evaluation path). A NaN in a row makes that row NaN.
     *
     * @param src  (rows, cols) row-major input
     * @param dst  (rows, cols) row-major output; may be {@code src}
     */
    public static void fakeQuantAsymmetricPerRow(float[] src, float[] dst, int rows, int cols, int bits,
                                                 float clipRatio) {
        checkArgument(bits >= 2 && bits <= 16, "Cannot quantize to %d bits: supported 2..16", bits);
        checkArgument(clipRatio > 0f && clipRatio <= 1f,
                "Cannot quantize with clip ratio %s: must be in (0, 1]", clipRatio);
        long size = Math.multiplyExact((long) rows, cols);
        checkArgument(src.length >= size && dst.length >= size,
                "Cannot quantize a (%d, %d) block: arrays hold %d and %d floats", rows, cols, src.length,
                dst.length);
        int maxCode = (1 << bits) - 1;
        float maxq = maxCode;
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float lo = 0f;
            float hi = 0f;
            for (int c = 0; c < cols; c++) {
                lo = Math.min(lo, src[off + c]);
                hi = Math.max(hi, src[off + c]);
            }
            lo *= clipRatio;
            hi *= clipRatio;
            if (lo == 0f && hi == 0f) {
                lo = -1f;
                hi = 1f;
            }
            float scale = (hi - lo) / maxq;
            if (scale == 0f) {
                scale = 1f;
            }
            int zero = (int) Math.rint(-lo / scale);
            // integer code bounds (as fakeQuant's lo − z): −0 as an int is +0f, so clamped zeros stay +0
            fakeQuantRun(src, dst, off, cols, scale, -zero, maxCode - zero);
        }
    }

    /** Computes the scales of {@code scheme} from {@code src}, fake-quantizes into {@code dst}, returns them. */
    public static IntScales fakeQuant(float[] src, float[] dst, int rows, int cols, IntScheme scheme) {
        IntScales scales = IntScales.compute(src, rows, cols, scheme);
        fakeQuant(src, dst, rows, cols, scheme, scales);
        return scales;
    }

    /**
     * Fake quantization with given scales: x̂ = s · clamp(rint(x / s), minCode − z, maxCode − z).
     *
     * @param src (rows, cols) row-major input
     * @param dst (rows, cols) row-major output; may be {@code src}
     */
    public static void fakeQuant(float[] src, float[] dst, int rows, int cols, IntScheme scheme,
                                 IntScales scales) {
        checkBlock(src.length, dst.length, rows, cols, scheme, scales);
        float[] s = scales.scales();
        int[] z = scales.zeroPoints();
        int lo = scheme.minCode();
        int hi = scheme.maxCode();
        if (scheme.granularity() == IntGranularity.PER_COLUMN) {
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                for (int c = 0; c < cols; c++) {
                    float q = (float) Math.rint(src[off + c] / s[c]);
                    dst[off + c] = Math.min(Math.max(q, lo - z[c]), hi - z[c]) * s[c];
                }
            }
            return;
        }
        int run = scheme.runLength(cols);
        for (int slot = 0; slot < s.length; slot++) {
            fakeQuantRun(src, dst, slot * run, run, s[slot], lo - z[slot], hi - z[slot]);
        }
    }

    /**
     * Quantizes to codes: q = clamp(rint(x / s) + z, minCode, maxCode).
     *
     * @param src   (rows, cols) row-major input
     * @param codes (rows, cols) row-major output codes (signed for symmetric, unsigned for asymmetric)
     */
    public static void quantize(float[] src, byte[] codes, int rows, int cols, IntScheme scheme,
                                IntScales scales) {
        checkBlock(src.length, codes.length, rows, cols, scheme, scales);
        float[] s = scales.scales();
        int[] z = scales.zeroPoints();
        float lo = scheme.minCode();
        float hi = scheme.maxCode();
        if (scheme.granularity() == IntGranularity.PER_COLUMN) {
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                for (int c = 0; c < cols; c++) {
                    float q = (float) Math.rint(src[off + c] / s[c]) + z[c];
                    codes[off + c] = (byte) (int) Math.min(Math.max(q, lo), hi);
                }
            }
            return;
        }
        int run = scheme.runLength(cols);
        for (int slot = 0; slot < s.length; slot++) {
            int off = slot * run;
            float scale = s[slot];
            float zero = z[slot];
            for (int i = off; i < off + run; i++) {
                float q = (float) Math.rint(src[i] / scale) + zero;
                codes[i] = (byte) (int) Math.min(Math.max(q, lo), hi);
            }
        }
    }

    /**
     * Dequantizes codes: x̂ = s · (q − z).
     *
     * @param codes (rows, cols) row-major codes from {@link #quantize}
     * @param dst   (rows, cols) row-major output
     */
    public static void dequantize(byte[] codes, float[] dst, int rows, int cols, IntScheme scheme,
                                  IntScales scales) {
        checkBlock(codes.length, dst.length, rows, cols, scheme, scales);
        float[] s = scales.scales();
        int[] z = scales.zeroPoints();
        int mask = scheme.symmetric() ? -1 : 0xFF; // sign-extend signed codes, zero-extend unsigned ones
        if (scheme.granularity() == IntGranularity.PER_COLUMN) {
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = ((codes[off + c] & mask) - z[c]) * s[c];
                }
            }
            return;
        }
        int run = scheme.runLength(cols);
        for (int slot = 0; slot < s.length; slot++) {
            int off = slot * run;
            float scale = s[slot];
            int zero = z[slot];
            for (int i = off; i < off + run; i++) {
                dst[i] = ((codes[i] & mask) - zero) * scale;
            }
        }
    }

    /** dst[off, off+len) = clamp(rint(src / s), lo, hi) · s — one scale, shifted code bounds. */
    private static void fakeQuantRun(float[] src, float[] dst, int off, int len, float s, float lo, float hi) {
        for (int i = off; i < off + len; i++) {
            float q = (float) Math.rint(src[i] / s);
            dst[i] = Math.min(Math.max(q, lo), hi) * s;
        }
    }

    private static void checkBlock(int inLength, int outLength, int rows, int cols, IntScheme scheme,
                                   IntScales scales) {
        Shapes.checkHolds(inLength, rows, cols, "the input");
        Shapes.checkHolds(outLength, rows, cols, "the output");
        int slots = scheme.scaleCount(rows, cols);
        checkArgument(scales.size() == slots,
                "Cannot apply %d INT scales to a (%d, %d) block: %s needs %d (compute them with the same scheme)",
                scales.size(), rows, cols, scheme.granularity(), slots);
    }
}
