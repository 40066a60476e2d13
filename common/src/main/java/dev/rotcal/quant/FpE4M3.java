package dev.rotcal.quant;

/**
 * FP8 E4M3 (OCP "E4M3FN"), the NVFP4 block-scale type: 1 sign, 4 exponent bits (bias 7), 3 mantissa bits.
 * Normals 2^(e−7) · (1 + m/8) for e = 1..15 up to 448 (S.1111.110); S.1111.111 is NaN; there is no Inf.
 * Subnormals m · 2^−9 for m = 1..7 (e = 0), so the smallest positive value is 2^−9.
 *
 * <p>Rounding is to nearest, ties to even mantissa, and saturating: anything beyond ±448 (Inf included)
 * becomes ±448 (the "satfinite" cast). NaN encodes as 0x7F.
 */
public final class FpE4M3 {
    /** Largest finite magnitude. */
    public static final float MAX = 448f;
    /** Smallest positive (subnormal) value, 2^−9. */
    public static final float MIN_SUBNORMAL = 0x1p-9f;
    /** Smallest positive normal value, 2^−6. */
    public static final float MIN_NORMAL = 0x1p-6f;
    /** Code of (positive) NaN. */
    public static final int NAN_CODE = 0x7F;

    private FpE4M3() {
    }

    /**
     * Nearest E4M3 value of x (RNE, saturating at ±448). The grid spacing in the binade of |x| is
     * 2^(floor(log2|x|) − 3), or 2^−9 below the normal range; x / spacing is exact (power of two), so
     * rint does the tie-to-even on the mantissa and a carry into the next binade is still on the grid.
     */
    public static float round(float x) {
        if (Float.isNaN(x)) {
            return Float.NaN;
        }
        float a = Math.abs(x);
        if (a >= MAX) {
            return Math.copySign(MAX, x);
        }
        int exp = Math.max(Math.getExponent(a), -6); // subnormals share the spacing of the 2^−6 binade
        float spacing = Math.scalb(1f, exp - 3);
        float r = (float) Math.rint(a / spacing) * spacing; // a < 448 rounds to at most 14 · 32 = 448
        return Math.copySign(r, x);
    }

    /** Encodes x (rounded RNE, saturating) to its 8-bit code. */
    public static int encode(float x) {
        if (Float.isNaN(x)) {
            return NAN_CODE;
        }
        float r = round(x);
        int sign = (Float.floatToRawIntBits(r) >>> 31) << 7;
        float a = Math.abs(r);
        if (a < MIN_NORMAL) {
            return sign | (int) (a * 512f); // subnormal: m = a / 2^−9, exact
        }
        int e = Math.getExponent(a);
        int m = (int) (Math.scalb(a, -e) * 8f) - 8; // a = 2^e · (1 + m/8)
        return sign | (e + 7) << 3 | m;
    }

    /** Decodes an 8-bit code (only the low 8 bits are read); S.1111.111 decodes to NaN. */
    public static float decode(int code) {
        int e = (code >> 3) & 0xF;
        int m = code & 0x7;
        if (e == 0xF && m == 0x7) {
            return Float.NaN;
        }
        float a = e == 0 ? m * MIN_SUBNORMAL : Math.scalb(1f + m / 8f, e - 7);
        return (code & 0x80) != 0 ? -a : a;
    }
}
