package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BFloat16Test {

    /** Plain reference: sign · (implicit bit + 7-bit mantissa) · 2^(exponent − 134), in double. */
    static float referenceToFloat(int code) {
        int exponent = (code >>> 7) & 0xFF;
        int mantissa = code & 0x7F;
        double magnitude;
        if (exponent == 0xFF) {
            magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = Math.scalb((double) mantissa, -133);
        } else {
            magnitude = Math.scalb((double) (128 + mantissa), exponent - 134);
        }
        return (float) ((code & 0x8000) != 0 ? -magnitude : magnitude);
    }

    /** Plain reference: round |f| to a multiple of bf16's ulp at its exponent with Math.rint (ties even). */
    static short referenceFromFloat(float f) {
        int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
        double a = Math.abs((double) f);
        int exponent = Math.max(Math.getExponent(a), -126);
        double ulp = Math.scalb(1.0, exponent - 7);
        double r = Double.isInfinite(a) ? a : Math.rint(a / ulp) * ulp;
        if (r >= 0x1p128) {
            return (short) (sign | 0x7F80);
        }
        return (short) (sign | (Float.floatToRawIntBits((float) r) >>> 16));
    }

    @Test
    void widensEveryCodeExactly() {
        for (int code = 0; code < 65536; code++) {
            float actual = BFloat16.toFloat((short) code);
            float expected = referenceToFloat(code);
            if (Float.isNaN(expected)) {
                assertThat(Float.floatToRawIntBits(actual)).as("NaN %04x is the top half of an f32 NaN", code)
                        .isEqualTo(code << 16);
            } else {
                assertThat(Float.floatToRawIntBits(actual)).as("code %04x → %s", code, expected)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @Test
    void narrowingInvertsWideningForEveryNonNanCode() {
        for (int code = 0; code < 65536; code++) {
            float f = BFloat16.toFloat((short) code);
            if (!Float.isNaN(f)) {
                assertThat(BFloat16.fromFloat(f) & 0xFFFF).as("code %04x survives a round trip", code)
                        .isEqualTo(code);
            }
        }
    }

    @Test
    void narrowingRoundsMidpointsLikeTheReference() {
        for (int code = 0; code < 0x7F80; code++) {
            int midpointBits = (code << 16) | 0x8000; // exactly half a bf16 ulp above the code
            for (int bits : new int[] {midpointBits, midpointBits - 1, midpointBits + 1}) {
                float x = Float.intBitsToFloat(bits);
                assertThat(BFloat16.fromFloat(x)).as("%s near the midpoint above %04x", x, code)
                        .isEqualTo(referenceFromFloat(x));
                assertThat(BFloat16.fromFloat(-x)).as("-%s", x).isEqualTo(referenceFromFloat(-x));
            }
        }
    }

    @Test
    void narrowingAgreesWithTheReferenceOnSeededRandomFloats() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 1_000_000; i++) {
            float x = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(x)) {
                assertThat(BFloat16.fromFloat(x)).as("bf16(%s)", x).isEqualTo(referenceFromFloat(x));
            }
        }
    }

    @Test
    void narrowingHandlesTheEdges() {
        assertThat(BFloat16.fromFloat(Float.MAX_VALUE)).as("max float is past the last midpoint: inf")
                .isEqualTo((short) 0x7F80);
        assertThat(BFloat16.fromFloat(1f + 0x1p-8f)).as("tie between 1 and 1+2^-7 goes to even 1")
                .isEqualTo((short) 0x3F80);
        assertThat(BFloat16.fromFloat(1f + 3 * 0x1p-8f)).as("tie between 1+2^-7 and 1+2^-6 goes to even")
                .isEqualTo((short) 0x3F82);
        float nan = BFloat16.toFloat(BFloat16.fromFloat(Float.intBitsToFloat(0x7F80_0001)));
        assertThat(Float.isNaN(nan)).as("a NaN with only low payload bits must not become inf").isTrue();
        assertThat(BFloat16.fromFloat(Float.NEGATIVE_INFINITY)).as("-inf").isEqualTo((short) 0xFF80);
    }
}
