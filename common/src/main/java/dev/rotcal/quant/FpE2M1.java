package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * FP4 E2M1, the element type of MXFP4 and NVFP4 (reference/FORMATS.md): 1 sign bit (bit 3), 2 exponent bits
 * (bias 1), 1 mantissa bit, no Inf / NaN. Magnitude codes 0..7 are 0, 0.5, 1, 1.5, 2, 3, 4, 6.
 *
 * <p>Rounding is to nearest, ties to even mantissa, saturating at ±6:
 * |x| ≤ 0.25 → 0; < 0.75 → 0.5; ≤ 1.25 → 1; < 1.75 → 1.5; ≤ 2.5 → 2; < 3.5 → 3; ≤ 5 → 4; > 5 → 6.
 * The sign bit is copied from the input, so −0.1 encodes as 0b1000 (−0). NaN is not representable; the
 * block quantizers reject it before it reaches here (on its own it encodes to ±0).
 */
public final class FpE2M1 {
    /** Largest magnitude. */
    public static final float MAX = 6f;

    /** Magnitude of each code 0..7; codes 8..15 are the same with the sign bit set. */
    private static final float[] MAGNITUDES = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f}; // (8)

    /** Code (0..15) → value, sign bit included. */
    private static final float[] VALUES = new float[16]; // (16)

    static {
        for (int c = 0; c < 8; c++) {
            VALUES[c] = MAGNITUDES[c];
            VALUES[c | 8] = -MAGNITUDES[c];
        }
    }

    private FpE2M1() {
    }

    /**
     * Encodes x to a 4-bit code (sign in bit 3). The magnitude code counts the decision thresholds that |x|
     * passes; a tie goes up ({@code >=}) only when the upper neighbour has the even mantissa.
     */
    public static int encode(float x) {
        float a = Math.abs(x);
        int code = (a > 0.25f ? 1 : 0)   // 0   | 0.5  tie → 0   (mantissa 0)
                + (a >= 0.75f ? 1 : 0)   // 0.5 | 1    tie → 1
                + (a > 1.25f ? 1 : 0)    // 1   | 1.5  tie → 1
                + (a >= 1.75f ? 1 : 0)   // 1.5 | 2    tie → 2
                + (a > 2.5f ? 1 : 0)     // 2   | 3    tie → 2
                + (a >= 3.5f ? 1 : 0)    // 3   | 4    tie → 4
                + (a > 5f ? 1 : 0);      // 4   | 6    tie → 4; beyond 6 saturates
        int sign = Float.floatToRawIntBits(x) >>> 31;
        return (sign << 3) | code;
    }

    /** Decodes a 4-bit code (only the low 4 bits are read). */
    public static float decode(int code) {
        return VALUES[code & 0xF];
    }

    /** Nearest E2M1 value of x (RNE, saturating): decode(encode(x)). */
    public static float round(float x) {
        return VALUES[encode(x)];
    }

    /**
     * Fake-quantizes src[off, off+len) with one scale: x̂ = E2M1(x / scale) · scale.
     *
     * @param src (n) input, read at [off, off+len)
     * @param dst (n) output, written at [off, off+len); may be {@code src}
     */
    public static void fakeQuant(float[] src, float[] dst, int off, int len, float scale) {
        for (int i = off; i < off + len; i++) {
            dst[i] = VALUES[encode(src[i] / scale)] * scale;
        }
    }

    /**
     * Packs 4-bit codes two per byte, element 2i in the low nibble and 2i+1 in the high nibble.
     *
     * @param codes  (n) codes 0..15, one per byte
     * @param packed ((n + 1) / 2) output; an odd n leaves the last high nibble 0
     */
    public static void pack(byte[] codes, int n, byte[] packed) {
        checkArgument(n >= 0 && codes.length >= n && packed.length >= (n + 1) / 2,
                "Cannot pack %d E2M1 codes: arrays hold %d codes and %d bytes (need (n + 1) / 2 bytes)",
                n, codes.length, packed.length);
        for (int i = 0; i < n / 2; i++) {
            packed[i] = (byte) ((codes[2 * i] & 0xF) | (codes[2 * i + 1] & 0xF) << 4);
        }
        if (n % 2 == 1) {
            packed[n / 2] = (byte) (codes[n - 1] & 0xF);
        }
    }

    /**
     * Unpacks {@link #pack}ed codes.
     *
     * @param packed ((n + 1) / 2) two codes per byte, element 2i in the low nibble
     * @param codes  (n) output codes 0..15
     */
    public static void unpack(byte[] packed, int n, byte[] codes) {
        checkArgument(n >= 0 && codes.length >= n && packed.length >= (n + 1) / 2,
                "Cannot unpack %d E2M1 codes: arrays hold %d bytes and %d codes (need (n + 1) / 2 bytes)",
                n, packed.length, codes.length);
        for (int i = 0; i < n; i++) {
            codes[i] = (byte) ((packed[i >> 1] >> ((i & 1) << 2)) & 0xF);
        }
    }

    /** Value of the packed element {@code i}: the low nibble of byte i/2 for even i, the high one for odd i. */
    static float packedValue(byte[] packed, int i) {
        return VALUES[(packed[i >> 1] >> ((i & 1) << 2)) & 0xF];
    }
}
