package dev.rotcal.model.safetensors;

/**
 * bfloat16 (safetensors BF16) ↔ float conversions: bf16 is the top 16 bits of an f32, so widening is a
 * shift; narrowing rounds to nearest, ties to even (as torch does), overflowing to ±inf, NaN stays NaN.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    /** The float equal to the bfloat16 value with bits {@code b}. */
    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** The bfloat16 bits nearest to {@code f} (ties to even). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            // NaN: keep sign and top payload bits, force the quiet bit so the result cannot become inf
            return (short) ((bits >>> 16) | 0x0040);
        }
        // add just under half an ulp of bf16, plus one when the kept lsb is odd (ties to even), then truncate
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
