package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float16Test {

    /** Plain reference: sign · (implicit bit + mantissa) · 2^(exponent − 25), computed in double. */
    static float referenceToFloat(int code) {
        int sign = (code >>> 15) & 1;
        int exponent = (code >>> 10) & 0x1F;
        int mantissa = code & 0x3FF;
        double magnitude;
        if (exponent == 0x1F) {
            magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = Math.scalb((double) mantissa, -24);
        } else {
            magnitude = Math.scalb((double) (1024 + mantissa), exponent - 25);
        }
        return (float) (sign == 1 ? -magnitude : magnitude);
    }

    /** Plain reference: round |f| to a multiple of the half's ulp at its exponent with Math.rint (ties even). */
    static short referenceFromFloat(float f) {
        int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
        double a = Math.abs((double) f);
        if (Double.isInfinite(a)) {
            return (short) (sign | 0x7C00);
        }
        int exponent = Math.max(Math.getExponent(a), -14);
        double ulp = Math.scalb(1.0, exponent - 10);
        double r = Math.rint(a / ulp) * ulp;
        if (r >= 65536.0) {
            return (short) (sign | 0x7C00);
        }
        if (r < 0x1p-14) {
            return (short) (sign | (int) (r / 0x1p-24));
        }
        int e = Math.getExponent(r);
        int mantissa = (int) (r / Math.scalb(1.0, e - 10)) - 1024;
        return (short) (sign | ((e + 15) << 10) | mantissa);
    }

    @Test
    void widensEveryCodeExactly() {
        for (int code = 0; code < 65536; code++) {
            float actual = Float16.toFloat((short) code);
            float expected = referenceToFloat(code);
            if (Float.isNaN(expected)) {
                int bits = Float.floatToRawIntBits(actual);
                assertThat(Float.isNaN(actual)).as("code %04x is a NaN", code).isTrue();
                assertThat((bits >>> 13) & 0x3FF).as("NaN %04x keeps its payload", code).isEqualTo(code & 0x3FF);
                assertThat(bits >>> 31).as("NaN %04x keeps its sign", code).isEqualTo(code >>> 15);
            } else {
                assertThat(Float.floatToRawIntBits(actual)).as("code %04x → %s", code, expected)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @Test
    void widensEveryCodeAsNumpyDoes() throws Exception {
        ByteBuffer bits = ByteBuffer.allocate(4 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int code = 0; code < 65536; code++) {
            bits.putInt(Float.floatToRawIntBits(Float16.toFloat((short) code)));
        }
        // sha256 of np.arange(65536, dtype=uint16).view(float16).astype(float32) bits, numpy 2.4.6
        assertThat(sha256(bits.array())).as("an independent implementation (numpy) agrees on all 65536 codes")
                .isEqualTo("f4fdd084f85448d28c84f20fabf4022ba938e40b7f382d2727dec6f41ac6267a");
    }

    @Test
    void narrowingInvertsWideningForEveryNonNanCode() {
        for (int code = 0; code < 65536; code++) {
            float f = Float16.toFloat((short) code);
            if (!Float.isNaN(f)) {
                assertThat(Float16.fromFloat(f) & 0xFFFF).as("code %04x survives a round trip", code)
                        .isEqualTo(code);
            }
        }
        assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN)))).as("NaN stays NaN").isTrue();
    }

    @Test
    void narrowingRoundsMidpointsAndTheirNeighboursLikeTheReference() {
        for (int code = 0; code < 0x7C00; code++) {
            // the midpoint between two adjacent halves has 12 significant bits: exact in float
            float lo = Float16.toFloat((short) code);
            float hi = code + 1 == 0x7C00 ? 65536f : Float16.toFloat((short) (code + 1));
            float mid = (lo + hi) / 2;
            for (float x : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid), -mid, -Math.nextUp(mid)}) {
                assertThat(Float16.fromFloat(x)).as("%s (between codes %04x and %04x)", x, code, code + 1)
                        .isEqualTo(referenceFromFloat(x));
            }
        }
    }

    @Test
    void narrowingAgreesWithTheReferenceOnSeededRandomFloats() {
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 1_000_000; i++) {
            float x = i % 2 == 0 ? Float.intBitsToFloat(random.nextInt())
                    : (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(-30, 18)));
            if (!Float.isNaN(x)) {
                assertThat(Float16.fromFloat(x)).as("f16(%s)", x).isEqualTo(referenceFromFloat(x));
            }
        }
    }

    @Test
    void narrowingAgreesWithNumpy() throws Exception {
        // the same deterministic bit patterns hashed after numpy's astype(float16), numpy 2.4.6
        ByteBuffer anyBits = ByteBuffer.allocate(2 * (1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer halfRange = ByteBuffer.allocate(2 * (1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < (1 << 20); i++) {
            float x = Float.intBitsToFloat((int) (i * 2654435761L));
            if (!Float.isNaN(x)) {
                anyBits.putShort(Float16.fromFloat(x));
            }
            long bits = (0x3300_0000L + (i * 2654435761L) % (0x4780_0000L - 0x3300_0000L)) | ((i & 1) << 31);
            halfRange.putShort(Float16.fromFloat(Float.intBitsToFloat((int) bits)));
        }
        assertThat(sha256(java.util.Arrays.copyOf(anyBits.array(), anyBits.position())))
                .as("numpy rounds 2^20 arbitrary floats to the same halves")
                .isEqualTo("e96558fe676da48d685ada60f2b49e32b5f13110053f9a4bdc51cffb4abbc63a");
        assertThat(sha256(halfRange.array())).as("numpy rounds 2^20 floats in [2^-25, 65536) to the same halves")
                .isEqualTo("19e6c4618afeb0fe61b23552c0df7a248506078389feb4acae1e6d4e1bf5b770");
    }

    @Test
    void narrowingHandlesTheEdges() {
        assertThat(Float16.fromFloat(65504f)).as("largest finite half").isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(Math.nextDown(65520f))).as("below the overflow midpoint")
                .isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).as("the overflow midpoint rounds to even: inf")
                .isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(-1e30f)).as("overflow keeps the sign").isEqualTo((short) 0xFC00);
        assertThat(Float16.fromFloat(0x1p-25f)).as("half the smallest subnormal ties to even: 0")
                .isEqualTo((short) 0);
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).as("just above rounds up").isEqualTo((short) 1);
        assertThat(Float16.fromFloat(3 * 0x1p-25f)).as("1.5 subnormal units ties to 2").isEqualTo((short) 2);
        assertThat(Float16.fromFloat(-0f)).as("negative zero").isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(Float.MIN_VALUE)).as("float subnormals flush to 0").isEqualTo((short) 0);
        assertThat(Float16.fromFloat(Math.nextDown(0x1p-14f))).as("just below the smallest normal")
                .isEqualTo((short) 0x0400);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
