package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MXFP4: E8M0 shared exponents of hand-worked blocks under each rule, codes, dequantization. */
class MxFp4QuantizerTest {

    @Test
    void sharedExponentsOfHandWorkedBlockMaxima() {
        // OCP: floor(log2 amax) − 2; RCEIL: ceil(log2(amax / 6)); EVEN: amax rounded to 1 mantissa bit first
        // amax 6 = 1.5 · 2^2: OCP 2 − 2 = 0; RCEIL ceil(log2 1) = 0; EVEN 1.5 < 1.75 → 0
        assertExponents(6f, 0, 0, 0);
        // amax 7 = 1.75 · 2^2: OCP 0 (7 saturates to 6); RCEIL ceil(log2 1.1667) = 1; EVEN 1.75 ties up → 8 → 1
        assertExponents(7f, 0, 1, 1);
        // amax 12 = 1.5 · 2^3: OCP 1; RCEIL log2(2) = 1 exactly, stays 1; EVEN 1
        assertExponents(12f, 1, 1, 1);
        // amax 0.1 = 1.6 · 2^-4: OCP −6 (X = 1/64); RCEIL ceil(log2 0.016667) = ceil(−5.907) = −5; EVEN −6
        assertExponents(0.1f, -6, -5, -6);
        // amax 3e38 ≈ 1.76 · 2^127: OCP 125; RCEIL ceil(log2 5e37) = ceil(125.24) = 126; EVEN 1.76 → 2^128 → 126
        assertExponents(3e38f, 125, 126, 126);
        // amax 1e-40 (fp32 subnormal, ≈ 1.09 · 2^-133): OCP −135, RCEIL −135, both clamp to E8M0's −127
        assertExponents(1e-40f, -127, -127, -127);
        // all-zero block: the smallest scale 2^-127 (E8M0 code 0)
        assertExponents(0f, -127, -127, -127);
    }

    private static void assertExponents(float amax, int ocp, int rceil, int even) {
        assertThat(MxFp4Quantizer.sharedExponent(amax, MxScaleRule.OCP_FLOOR)).as("OCP, amax %s", amax)
                .isEqualTo(ocp);
        assertThat(MxFp4Quantizer.sharedExponent(amax, MxScaleRule.RCEIL)).as("RCEIL, amax %s", amax)
                .isEqualTo(rceil);
        assertThat(MxFp4Quantizer.sharedExponent(amax, MxScaleRule.EVEN)).as("EVEN, amax %s", amax)
                .isEqualTo(even);
    }

    @Test
    void quantizesHandWorkedBlocks() {
        float[] x = new float[2 * 64]; // (2, 64): 4 blocks
        // block 0: amax 6 → E = 127 (X = 1); elements straight from the E2M1 table
        float[] b0 = {6f, -3f, 0.75f, 0.25f, 5f, -1.25f, 2.5f, -0.6f};
        System.arraycopy(b0, 0, x, 0, b0.length);
        // block 1: amax 7 → OCP X = 1, 7 saturates to 6; 0.1 → 0
        x[32] = 7f;
        x[33] = -0.3f;
        // block 2: amax 0.1 → X = 2^-6, E = 121; 0.1 · 64 = 6.4 → 6 → 0.09375; 0.03 · 64 = 1.92 → 2 → 0.03125
        x[64] = 0.1f;
        x[65] = -0.03f;
        // block 3: all zero → E = 0
        MxFp4Tensor t = MxFp4Quantizer.quantize(x, 2, 64, MxScaleRule.OCP_FLOOR);
        assertThat(t.scaleCodes()).as("E8M0 codes: 127 + shared_exp").containsExactly(127, 127, 121, 0);
        assertThat(t.scale(2)).as("X = 2^-6").isEqualTo(0x1p-6f);
        assertThat(t.rule()).as("provenance").isEqualTo(MxScaleRule.OCP_FLOOR);
        // packed codes of block 0: 6 → 7, −3 → 0xD; 0.75 → 2, 0.25 → 0; low nibble = even element
        assertThat(Arrays.copyOf(t.packedCodes(), 2)).as("[−3 | 6] [0.25 | 0.75]").containsExactly(0xD7, 0x02);

        float[] deq = new float[x.length];
        MxFp4Quantizer.dequantize(t, deq);
        assertThat(Arrays.copyOf(deq, 8)).as("block 0 = E2M1(x) (X = 1)")
                .containsExactly(new float[] {6f, -3f, 1f, 0f, 4f, -1f, 2f, -0.5f}, within(0f));
        assertThat(deq[32]).as("OCP saturates 7 to 6 · X").isEqualTo(6f);
        assertThat(deq[33]).as("-0.3 → -0.5").isEqualTo(-0.5f);
        assertThat(deq[64]).as("0.1 → 6 · 2^-6").isEqualTo(0.09375f);
        assertThat(deq[65]).as("-0.03 → -2 · 2^-6").isEqualTo(-0.03125f);
        assertThat(Arrays.copyOfRange(deq, 96, 128)).as("zero block stays zero").containsOnly(0f);

        MxFp4Tensor rceil = MxFp4Quantizer.quantize(x, 2, 64, MxScaleRule.RCEIL);
        // RCEIL: block 1 X = 2 (7 / 2 = 3.5 → 4 → 8), block 2 X = 2^-5 (0.1 · 32 = 3.2 → 3 → 0.09375)
        assertThat(rceil.scaleCodes()).as("RCEIL E8M0 codes").containsExactly(127, 128, 122, 0);
        MxFp4Quantizer.dequantize(rceil, deq);
        assertThat(deq[32]).as("RCEIL: 7 → 4 · 2").isEqualTo(8f);
        assertThat(deq[64]).as("RCEIL: 0.1 → 3 · 2^-5").isEqualTo(0.09375f);
    }

    @Test
    void fakeQuantEqualsDequantizeOfQuantize() {
        Random rng = new Random(9);
        int rows = 8;
        int cols = 96;
        float[] x = new float[rows * cols]; // (8, 96)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextGaussian() * Math.exp(rng.nextGaussian() * 3));
        }
        for (MxScaleRule rule : MxScaleRule.values()) {
            float[] fake = new float[x.length];
            MxFp4Quantizer.fakeQuant(x, fake, rows, cols, rule);
            float[] deq = new float[x.length];
            MxFp4Quantizer.dequantize(MxFp4Quantizer.quantize(x, rows, cols, rule), deq);
            assertThat(deq).as("%s: dequantize(quantize) == fakeQuant", rule).containsExactly(fake, within(0f));
            for (int b = 0; b < x.length / 32; b++) {
                float amax = 0f;
                for (int i = b * 32; i < (b + 1) * 32; i++) {
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                float scale = Math.scalb(1f, MxFp4Quantizer.sharedExponent(amax, rule));
                for (int i = b * 32; i < (b + 1) * 32; i++) {
                    assertThat(fake[i]).as("%s element %d is E2M1(x / X) · X", rule, i)
                            .isEqualTo(FpE2M1.round(x[i] / scale) * scale);
                    if (rule == MxScaleRule.RCEIL) {
                        assertThat(Math.abs(x[i] / scale)).as("RCEIL never needs to saturate")
                                .isLessThanOrEqualTo(6f);
                    }
                }
            }
        }
    }

    @Test
    void rejectsRaggedRowsAndNaN() {
        assertThatThrownBy(() -> MxFp4Quantizer.quantize(new float[40], 1, 40, MxScaleRule.OCP_FLOOR))
                .as("blocks of 32 must tile the row").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks of 32");
        float[] nan = new float[32];
        nan[3] = Float.NaN;
        assertThatThrownBy(() -> MxFp4Quantizer.fakeQuant(nan, new float[32], 1, 32, MxScaleRule.OCP_FLOOR))
                .as("NaN is rejected").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }
}
