package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** FP4 E2M1: the RNE tie table of reference/FORMATS.md, saturation, sign, codes and nibble packing. */
class FpE2M1Test {

    private static final float[] MAGNITUDES = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f};

    @Test
    void roundsEveryTieToTheEvenMantissaAndItsNeighboursToTheNearest() {
        // tie t, then expected round(t), round(t + ulp), round(t − ulp); FORMATS.md:
        // |x| ≤ 0.25 → 0; < 0.75 → 0.5; ≤ 1.25 → 1; < 1.75 → 1.5; ≤ 2.5 → 2; < 3.5 → 3; ≤ 5 → 4; > 5 → 6
        float[][] table = {
            {0.25f, 0f, 0.5f, 0f},
            {0.75f, 1f, 1f, 0.5f},
            {1.25f, 1f, 1.5f, 1f},
            {1.75f, 2f, 2f, 1.5f},
            {2.5f, 2f, 3f, 2f},
            {3.5f, 4f, 4f, 3f},
            {5f, 4f, 6f, 4f},
        };
        for (float[] row : table) {
            float t = row[0];
            for (float sign : new float[] {1f, -1f}) {
                assertThat(FpE2M1.round(sign * t)).as("tie %s", sign * t).isEqualTo(sign * row[1]);
                assertThat(FpE2M1.round(sign * Math.nextUp(t))).as("just above %s", sign * t)
                        .isEqualTo(sign * row[2]);
                assertThat(FpE2M1.round(sign * Math.nextDown(t))).as("just below %s", sign * t)
                        .isEqualTo(sign * row[3]);
            }
        }
    }

    @Test
    void encodesSignMagnitudeCodes() {
        assertThat(FpE2M1.encode(0.75f)).as("0.75 → 1.0 = code 2").isEqualTo(2);
        assertThat(FpE2M1.encode(-5f)).as("−5 → −4 = sign | code 6").isEqualTo(0b1110);
        assertThat(FpE2M1.encode(6f)).as("6 = code 7").isEqualTo(7);
        assertThat(FpE2M1.encode(-0.1f)).as("−0.1 → −0 keeps the sign bit").isEqualTo(0b1000);
        for (int code = 0; code < 16; code++) {
            float v = FpE2M1.decode(code);
            assertThat(Math.abs(v)).as("code %d magnitude", code).isEqualTo(MAGNITUDES[code & 7]);
            assertThat(FpE2M1.encode(v)).as("code %d round-trips through its value", code).isEqualTo(code);
        }
    }

    @Test
    void saturatesAtSix() {
        for (float x : new float[] {6f, 7f, 100f, Float.MAX_VALUE, Float.POSITIVE_INFINITY}) {
            assertThat(FpE2M1.round(x)).as("%s saturates to 6", x).isEqualTo(6f);
            assertThat(FpE2M1.round(-x)).as("%s saturates to -6", -x).isEqualTo(-6f);
        }
    }

    /** Plain reference: the nearest magnitude by exhaustive search, ties to the even code (= even mantissa). */
    private static float referenceRound(float x) {
        double a = Math.min(Math.abs((double) x), 6.0);
        int best = 0;
        for (int c = 1; c < 8; c++) {
            double d = Math.abs(a - MAGNITUDES[c]);
            double bestD = Math.abs(a - MAGNITUDES[best]);
            if (d < bestD || (d == bestD && c % 2 == 0)) {
                best = c;
            }
        }
        return Math.copySign(MAGNITUDES[best], x);
    }

    @Test
    void matchesAnExhaustiveNearestReference() {
        Random rng = new Random(3);
        for (int i = -640; i <= 640; i++) {
            float x = i / 64f; // a dense grid over [−10, 10] containing every tie
            assertThat(FpE2M1.round(x)).as("x = %s", x).isEqualTo(referenceRound(x));
        }
        for (int i = 0; i < 20_000; i++) {
            float x = (float) (rng.nextGaussian() * 3);
            assertThat(FpE2M1.round(x)).as("x = %s", x).isEqualTo(referenceRound(x));
        }
    }

    @Test
    void fakeQuantAppliesTheScale() {
        float[] x = {0.5f, 1.5f, -2.6f, 13f}; // (4)
        float[] out = new float[4];
        FpE2M1.fakeQuant(x, out, 0, 4, 0.5f);
        // x / 0.5 = 1, 3, −5.2, 26 → 1, 3, −6, 6 → · 0.5
        assertThat(out).as("E2M1(x / s) · s").containsExactly(new float[] {0.5f, 1.5f, -3f, 3f}, within(0f));
    }

    @Test
    void packsElementTwoIInTheLowNibble() {
        byte[] codes = {0x1, 0xA, 0xF, 0x3, 0x7}; // (5)
        byte[] packed = new byte[3];
        FpE2M1.pack(codes, 5, packed);
        assertThat(packed).as("[e1 e0] [e3 e2] [0 e4]").containsExactly(0xA1, 0x3F, 0x07);
        byte[] back = new byte[5];
        FpE2M1.unpack(packed, 5, back);
        assertThat(back).as("unpack inverts pack").containsExactly(codes);
        assertThat(FpE2M1.packedValue(packed, 1)).as("element 1 = high nibble of byte 0 = code 0xA = −1")
                .isEqualTo(-1f);
        assertThatThrownBy(() -> FpE2M1.pack(codes, 5, new byte[2])).as("needs (n + 1) / 2 bytes")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
