package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * MXFP4 (OCP Microscaling v1.0): blocks of 32 consecutive elements along the reduction dim (the row) share
 * an E8M0 scale X = 2^shared_exp; elements are P = E2M1_RNE(V / X), saturating at ±6; V̂ = P · X.
 *
 * <p>Edge cases: an all-zero block gets the smallest scale 2^−127 (E8M0 code 0) and zero codes, as the OCP
 * reference code does (it takes log2 of the smallest fp32 normal and clamps); shared exponents are clamped
 * to E8M0's [−127, 127]. NaN / Inf inputs are rejected (the spec would give the block a NaN scale).
 */
public final class MxFp4Quantizer {
    /** Elements per scale block. */
    public static final int BLOCK_SIZE = 32;
    /** Exponent of E2M1's largest power of two (6 = 1.5 · 2^2). */
    private static final int ELEMENT_EMAX = 2;

    private MxFp4Quantizer() {
    }

    /** The unbiased shared exponent of a block with max |V| = {@code amax} (≥ 0, finite), in [−127, 127]. */
    public static int sharedExponent(float amax, MxScaleRule rule) {
        checkArgument(amax >= 0f && Float.isFinite(amax),
                "Cannot pick an MXFP4 scale for block max %s: must be finite and >= 0", amax);
        if (amax == 0f) {
            return FpE8M0.MIN_EXPONENT;
        }
        double a = amax; // float subnormals are normal doubles, so getExponent = floor(log2) exactly
        int exp = switch (rule) {
            case OCP_FLOOR -> Math.getExponent(a) - ELEMENT_EMAX;
            case EVEN -> {
                // round amax to one mantissa bit: a mantissa ≥ 1.75 carries into the next binade
                int e = Math.getExponent(a);
                yield (Math.scalb(a, -e) >= 1.75 ? e + 1 : e) - ELEMENT_EMAX;
            }
            case RCEIL -> {
                // ceil(log2(amax / 6)); amax / 6 is exact when amax = 6 · 2^k, so powers of two stay put
                double y = a / FpE2M1.MAX;
                int e = Math.getExponent(y);
                yield y == Math.scalb(1.0, e) ? e : e + 1;
            }
        };
        return Math.min(Math.max(exp, FpE8M0.MIN_EXPONENT), FpE8M0.MAX_EXPONENT);
    }

    /**
     * Quantizes a (rows, cols) block.
     *
     * @param src (rows, cols) row-major, cols a multiple of 32
     */
    public static MxFp4Tensor quantize(float[] src, int rows, int cols, MxScaleRule rule) {
        int size = checkShape(src.length, rows, cols);
        byte[] codes = new byte[BLOCK_SIZE]; // (32) codes of one block before packing
        byte[] packed = new byte[size / 2]; // (rows, cols / 2)
        byte[] scaleCodes = new byte[size / BLOCK_SIZE]; // (rows, cols / 32)
        byte[] packedBlock = new byte[BLOCK_SIZE / 2]; // (16) one block packed
        for (int b = 0; b < scaleCodes.length; b++) {
            int off = b * BLOCK_SIZE;
            int exp = sharedExponent(blockAmax(src, off), rule);
            scaleCodes[b] = (byte) FpE8M0.encode(exp);
            float x = Math.scalb(1f, exp); // X = 2^shared_exp (2^−127 is an exact float subnormal)
            for (int i = 0; i < BLOCK_SIZE; i++) {
                codes[i] = (byte) FpE2M1.encode(src[off + i] / x);
            }
            FpE2M1.pack(codes, BLOCK_SIZE, packedBlock);
            System.arraycopy(packedBlock, 0, packed, off / 2, BLOCK_SIZE / 2);
        }
        return new MxFp4Tensor(rows, cols, packed, scaleCodes, rule);
    }

    /**
     * Dequantizes V̂ = P · X.
     *
     * @param dst (rows, cols) row-major output
     */
    public static void dequantize(MxFp4Tensor tensor, float[] dst) {
        int size = Shapes.checkHolds(dst.length, tensor.rows(), tensor.cols(), "dst");
        for (int b = 0; b < size / BLOCK_SIZE; b++) {
            float x = tensor.scale(b);
            for (int i = b * BLOCK_SIZE; i < (b + 1) * BLOCK_SIZE; i++) {
                dst[i] = FpE2M1.packedValue(tensor.packedCodes(), i) * x;
            }
        }
    }

    /**
     * Fake quantization V̂ = E2M1(V / X) · X, equal to dequantize(quantize(src)).
     *
     * @param src (rows, cols) row-major input, cols a multiple of 32
     * @param dst (rows, cols) row-major output; may be {@code src}
     */
    public static void fakeQuant(float[] src, float[] dst, int rows, int cols, MxScaleRule rule) {
        int size = checkShape(src.length, rows, cols);
        Shapes.checkHolds(dst.length, rows, cols, "dst");
        for (int off = 0; off < size; off += BLOCK_SIZE) {
            float x = Math.scalb(1f, sharedExponent(blockAmax(src, off), rule));
            FpE2M1.fakeQuant(src, dst, off, BLOCK_SIZE, x);
        }
    }

    /** max |V| over the block at {@code off} (NaN propagates through Math.max and is then rejected). */
    private static float blockAmax(float[] src, int off) {
        float amax = 0f;
        for (int i = off; i < off + BLOCK_SIZE; i++) {
            amax = Math.max(amax, Math.abs(src[i]));
        }
        if (!Float.isFinite(amax)) {
            checkArgument(false, "Cannot quantize to MXFP4: the block at element %d holds %s", off,
                    amax);
        }
        return amax;
    }

    private static int checkShape(int length, int rows, int cols) {
        Shapes.checkWholeBlocks(cols, BLOCK_SIZE, "MXFP4");
        return Shapes.checkHolds(length, rows, cols, "src");
    }
}
