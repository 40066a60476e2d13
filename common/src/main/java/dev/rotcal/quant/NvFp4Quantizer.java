package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * NVFP4 in NVIDIA ModelOpt's convention (reference/FORMATS.md): E2M1 elements, blocks of 16 along the
 * reduction dim (the row) with an E4M3 block scale, and an fp32 per-tensor scale
 * s_g = amax_tensor / (6 · 448) (weight_scale_2). Per block
 * s_b = E4M3(clamp(amax_block / (6 · s_g), 2^−9, 448)) and x̂ = E2M1(x / (s_b · s_g)) · (s_b · s_g).
 * Arithmetic is fp32 in ModelOpt's order. {@link NvFp4Tensor#withConvention} converts to compressed-tensors.
 *
 * <p>Edge cases: an all-zero tensor gets s_g = 1 (the INT "zero scale → 1" guard; ModelOpt would divide
 * by 0); an all-zero block gets s_b = 2^−9 by the clamp (ModelOpt's code writes 1.0; the codes are 0 either
 * way). NaN / Inf inputs are rejected.
 */
public final class NvFp4Quantizer {
    /** Elements per block scale. */
    public static final int BLOCK_SIZE = 16;
    /** 6 · 448: the largest x / s_g an NVFP4 tensor represents. */
    private static final float RANGE = FpE2M1.MAX * FpE4M3.MAX;

    private NvFp4Quantizer() {
    }

    /** ModelOpt global scale s_g = amax / (6 · 448) of a tensor (or activation) with max |x| = amax; 0 → 1. */
    public static float globalScale(float amaxTensor) {
        checkArgument(amaxTensor >= 0f && Float.isFinite(amaxTensor),
                "Cannot compute an NVFP4 global scale from amax %s: must be finite and >= 0", amaxTensor);
        return amaxTensor == 0f ? 1f : amaxTensor / RANGE;
    }

    /** Block scale s_b = E4M3(clamp(amax_block / (6 · s_g), 2^−9, 448)), as a float. */
    public static float blockScale(float amaxBlock, float globalScale) {
        float raw = amaxBlock / (FpE2M1.MAX * globalScale);
        return FpE4M3.round(Math.min(Math.max(raw, FpE4M3.MIN_SUBNORMAL), FpE4M3.MAX));
    }

    /**
     * Quantizes a weight-like block with its own global scale (s_g from the block's max |x|).
     *
     * @param src (rows, cols) row-major, cols a multiple of 16
     */
    public static NvFp4Tensor quantize(float[] src, int rows, int cols) {
        int size = checkShape(src.length, rows, cols);
        return quantize(src, rows, cols, globalScale(amax(src, 0, size)));
    }

    /**
     * Quantizes with a given ModelOpt global scale s_g (activations: the calibrated static scale; fused
     * q/k/v or gate/up: the shared one).
     *
     * @param src (rows, cols) row-major, cols a multiple of 16
     */
    public static NvFp4Tensor quantize(float[] src, int rows, int cols, float globalScale) {
        int size = checkShape(src.length, rows, cols);
        checkGlobalScale(globalScale);
        byte[] codes = new byte[size]; // (rows, cols) one E2M1 code per byte before packing
        byte[] blockScaleCodes = new byte[size / BLOCK_SIZE]; // (rows, cols / 16)
        for (int b = 0; b < blockScaleCodes.length; b++) {
            int off = b * BLOCK_SIZE;
            float sb = blockScale(amax(src, off, BLOCK_SIZE), globalScale);
            blockScaleCodes[b] = (byte) FpE4M3.encode(sb);
            float scale = sb * globalScale;
            for (int i = off; i < off + BLOCK_SIZE; i++) {
                codes[i] = (byte) FpE2M1.encode(src[i] / scale);
            }
        }
        byte[] packed = new byte[size / 2]; // (rows, cols / 2)
        FpE2M1.pack(codes, size, packed);
        return new NvFp4Tensor(rows, cols, packed, blockScaleCodes, globalScale, NvFp4Convention.MODELOPT);
    }

    /**
     * Dequantizes x̂ = E2M1 · (s_b · s_g), in either convention.
     *
     * @param dst (rows, cols) row-major output
     */
    public static void dequantize(NvFp4Tensor tensor, float[] dst) {
        int size = Shapes.checkHolds(dst.length, tensor.rows(), tensor.cols(), "dst");
        float sg = tensor.modelOptGlobalScale();
        for (int b = 0; b < size / BLOCK_SIZE; b++) {
            float scale = tensor.blockScale(b) * sg;
            for (int i = b * BLOCK_SIZE; i < (b + 1) * BLOCK_SIZE; i++) {
                dst[i] = FpE2M1.packedValue(tensor.packedCodes(), i) * scale;
            }
        }
    }

    /**
     * Fake quantization with a given ModelOpt global scale and dynamic block scales, equal to
     * dequantize(quantize(src, rows, cols, globalScale)).
     *
     * @param src (rows, cols) row-major input, cols a multiple of 16
     * @param dst (rows, cols) row-major output; may be {@code src}
     */
    public static void fakeQuant(float[] src, float[] dst, int rows, int cols, float globalScale) {
        int size = checkShape(src.length, rows, cols);
        Shapes.checkHolds(dst.length, rows, cols, "dst");
        checkGlobalScale(globalScale);
        for (int off = 0; off < size; off += BLOCK_SIZE) {
            float scale = blockScale(amax(src, off, BLOCK_SIZE), globalScale) * globalScale;
            FpE2M1.fakeQuant(src, dst, off, BLOCK_SIZE, scale);
        }
    }

    /** max |x| over src[off, off+len); rejects NaN / Inf. */
    private static float amax(float[] src, int off, int len) {
        float amax = 0f;
        for (int i = off; i < off + len; i++) {
            amax = Math.max(amax, Math.abs(src[i]));
        }
        if (!Float.isFinite(amax)) {
            checkArgument(false, "Cannot quantize to NVFP4: elements from %d hold %s", off, amax);
        }
        return amax;
    }

    private static void checkGlobalScale(float globalScale) {
        checkArgument(globalScale > 0f && Float.isFinite(globalScale),
                "Cannot quantize to NVFP4 with global scale %s: must be finite and > 0 (ModelOpt convention, "
                        + "amax / (6 * 448))", globalScale);
    }

    private static int checkShape(int length, int rows, int cols) {
        Shapes.checkWholeBlocks(cols, BLOCK_SIZE, "NVFP4");
        return Shapes.checkHolds(length, rows, cols, "src");
    }
}
