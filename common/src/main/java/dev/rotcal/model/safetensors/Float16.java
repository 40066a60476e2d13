package dev.rotcal.model.safetensors;

/**
 * IEEE 754 binary16 (safetensors F16) ↔ float conversions on raw bit patterns: 1 sign bit, 5 exponent bits
 * (bias 15), 10 mantissa bits. Widening is exact for every code, including subnormals, ±inf and NaN
 * (the payload is kept); narrowing rounds to nearest, ties to even, overflowing to ±inf. Java 17 has no
 * {@code Float.float16ToFloat}.
 */
public final class Float16 {
    private Float16() {
    }

    /** The float equal to the binary16 value with bits {@code h}. */
    public static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            // ±inf (mantissa 0) or NaN: all-ones exponent, payload moved to the top of the f32 mantissa
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent != 0) {
            // normal: rebias the exponent from 15 to 127, widen the mantissa
            return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
        }
        // zero or subnormal: mantissa · 2^-24, exact in float
        float magnitude = mantissa * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
    }

    /** The binary16 bits nearest to {@code f} (ties to even); |f| ≥ 65520 becomes ±inf, NaN stays NaN. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs >= 0x7F80_0000) {
            // inf stays inf; NaN stays a (quiet) NaN keeping the top payload bits
            return (short) (abs == 0x7F80_0000 ? sign | 0x7C00 : sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
        }
        if (abs >= 0x477F_F000) {
            // ≥ 65520, the midpoint between the largest finite half 65504 and 65536: rounds to inf
            return (short) (sign | 0x7C00);
        }
        int exponent = abs >>> 23; // biased by 127
        if (exponent >= 113) {
            // normal half (exponent ≥ -14): drop 13 mantissa bits, round half to even; a carry into the
            // exponent field is the correct result
            int rounded = abs + 0x0FFF + ((abs >>> 13) & 1);
            return (short) (sign | ((rounded >>> 13) - (112 << 10)));
        }
        if (exponent < 102) {
            // |f| < 2^-25, below half the smallest subnormal half: ±0
            return (short) sign;
        }
        // subnormal half: |f| = m · 2^(exponent-150) with the implicit bit in m; count units of 2^-24
        int m = (abs & 0x7F_FFFF) | 0x80_0000;
        int shift = 126 - exponent; // 14..24
        int units = m >>> shift;
        int remainder = m & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (remainder > half || (remainder == half && (units & 1) == 1)) {
            units++; // may become 0x400, the smallest normal: still the right encoding
        }
        return (short) (sign | units);
    }
}
