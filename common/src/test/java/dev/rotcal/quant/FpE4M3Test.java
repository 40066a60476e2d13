package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** FP8 E4M3 (E4M3FN): RNE rounding, subnormals, saturation at 448, codes. */
class FpE4M3Test {

    @Test
    void handWorkedValues() {
        assertThat(FpE4M3.round(1f)).as("1 is exact").isEqualTo(1f);
        assertThat(FpE4M3.encode(1f)).as("1.0 = 0 0111 000").isEqualTo(0x38);
        assertThat(FpE4M3.round(448f)).as("max").isEqualTo(448f);
        assertThat(FpE4M3.encode(448f)).as("448 = 0 1111 110").isEqualTo(0x7E);
        assertThat(FpE4M3.round(500f)).as("saturates").isEqualTo(448f);
        assertThat(FpE4M3.round(464f)).as("the tie with the non-existent 480 saturates").isEqualTo(448f);
        assertThat(FpE4M3.round(Float.POSITIVE_INFINITY)).as("no Inf: saturates").isEqualTo(448f);
        assertThat(FpE4M3.round(-1000f)).as("negative saturation").isEqualTo(-448f);
        // binade [1, 2) has spacing 1/8: 10/6 = 1.6667 → 13.33 / 8 → 13 / 8 = 1.625
        assertThat(FpE4M3.round(10f / 6f)).as("10/6 → 1.625").isEqualTo(1.625f);
        assertThat(FpE4M3.encode(1.625f)).as("1.625 = 0 0111 101").isEqualTo(0x3D);
        // ties: 1.0625 between 1 (m = 0) and 1.125 (m = 1) → 1; 1.1875 between 1.125 and 1.25 (m = 2) → 1.25
        assertThat(FpE4M3.round(1.0625f)).as("tie to even mantissa (down)").isEqualTo(1f);
        assertThat(FpE4M3.round(1.1875f)).as("tie to even mantissa (up)").isEqualTo(1.25f);
        // binade [2, 4) has spacing 1/4: 8/3 = 2.6667 → 10.67 → 11 / 4 = 2.75 = 2 · (1 + 3/8) = 0 1000 011
        assertThat(FpE4M3.round(8f / 3f)).as("8/3 → 2.75").isEqualTo(2.75f);
        assertThat(FpE4M3.encode(2.75f)).as("2.75 code").isEqualTo(0x43);
    }

    @Test
    void subnormalsGoDownToTwoToTheMinusNine() {
        assertThat(FpE4M3.round(0x1p-9f)).as("smallest subnormal").isEqualTo(0x1p-9f);
        assertThat(FpE4M3.encode(0x1p-9f)).as("2^-9 = 0 0000 001").isEqualTo(0x01);
        assertThat(FpE4M3.round(0x1p-10f)).as("half of 2^-9 ties to 0").isEqualTo(0f);
        assertThat(FpE4M3.round(Math.nextUp(0x1p-10f))).as("just above half rounds up").isEqualTo(0x1p-9f);
        assertThat(FpE4M3.round(3 * 0x1p-10f)).as("1.5 · 2^-9 ties to 2 · 2^-9").isEqualTo(0x1p-8f);
        // 0.0026667 / 2^-9 = 1.365 → 1
        assertThat(FpE4M3.round(0.0026667f)).as("0.0026667 → 2^-9").isEqualTo(0x1p-9f);
        assertThat(FpE4M3.round(7 * 0x1p-9f)).as("largest subnormal").isEqualTo(7 * 0x1p-9f);
        assertThat(FpE4M3.encode(7 * 0x1p-9f)).as("0 0000 111").isEqualTo(0x07);
    }

    @Test
    void everyCodeRoundTripsAndMidpointsTieToTheEvenCode() {
        assertThat(FpE4M3.decode(0x7F)).as("S.1111.111 is NaN").isNaN();
        assertThat(FpE4M3.decode(0xFF)).as("negative NaN").isNaN();
        assertThat(FpE4M3.encode(Float.NaN)).as("NaN code").isEqualTo(0x7F);
        for (int code = 0; code < 256; code++) {
            if ((code & 0x7F) == 0x7F) {
                continue;
            }
            assertThat(FpE4M3.encode(FpE4M3.decode(code))).as("code 0x%02X round-trips", code).isEqualTo(code);
        }
        for (int code = 0; code < 0x7E; code++) {
            float lo = FpE4M3.decode(code);
            float hi = FpE4M3.decode(code + 1);
            assertThat(hi).as("codes ascend at 0x%02X", code).isGreaterThan(lo);
            float mid = (lo + hi) / 2; // exact: one more bit than E4M3 has
            float even = (code & 1) == 0 ? lo : hi; // the mantissa LSB is the code LSB
            assertThat(FpE4M3.round(mid)).as("midpoint of 0x%02X and 0x%02X", code, code + 1).isEqualTo(even);
            assertThat(FpE4M3.round(-mid)).as("negative midpoint").isEqualTo(-even);
            assertThat(FpE4M3.round(Math.nextUp(mid))).as("above the midpoint").isEqualTo(hi);
            assertThat(FpE4M3.round(Math.nextDown(mid))).as("below the midpoint").isEqualTo(lo);
        }
    }
}
