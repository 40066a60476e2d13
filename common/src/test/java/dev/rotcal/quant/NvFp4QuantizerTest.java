package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NVFP4 (ModelOpt convention): hand-worked global and E4M3 block scales, conventions, dequantization. */
class NvFp4QuantizerTest {

    @Test
    void globalScaleOneByHand() {
        // (1, 32), two blocks. amax_tensor = 2688 = 6 · 448 → s_g = 1 exactly
        float[] x = new float[32];
        x[0] = 2688f;
        // block 1: amax 10 → s_b = E4M3(10 / 6 = 1.6667) = 13/8 = 1.625 (code 0 0111 101 = 0x3D)
        x[16] = 10f; // 10 / 1.625 = 6.15 → 6 → 9.75
        x[17] = 5f; // 3.08 → 3 → 4.875
        x[18] = -1f; // −0.615 → −0.5 → −0.8125
        NvFp4Tensor t = NvFp4Quantizer.quantize(x, 1, 32);
        assertThat(t.globalScale()).as("s_g = 2688 / 2688").isEqualTo(1f);
        assertThat(t.convention()).as("quantize produces ModelOpt's convention").isEqualTo(NvFp4Convention.MODELOPT);
        // block 0: 2688 / (6 · 1) = 448 → E4M3 448 (code 0x7E)
        assertThat(t.blockScaleCodes()).as("E4M3 codes of 448 and 1.625").containsExactly(0x7E, 0x3D);
        assertThat(t.blockScale(1)).as("s_b = 1.625").isEqualTo(1.625f);
        float[] deq = new float[32];
        NvFp4Quantizer.dequantize(t, deq);
        assertThat(deq[0]).as("2688 = 6 · 448 · 1 exactly").isEqualTo(2688f);
        assertThat(Arrays.copyOfRange(deq, 16, 19)).as("E2M1(x / 1.625) · 1.625")
                .containsExactly(new float[] {9.75f, 4.875f, -0.8125f}, within(0f));
    }

    @Test
    void globalScaleOneSixteenthByHandIncludingSubnormalAndClampedBlockScales() {
        // (1, 80), five blocks. amax_tensor = 168 → s_g = 168 / 2688 = 1/16 exactly
        float[] x = new float[80];
        x[0] = 168f; // block 0: 168 / (6/16) = 448 → 448
        x[16] = 1f; // block 1: 1 / 0.375 = 2.6667 → E4M3 spacing 1/4 in [2, 4): 10.67 → 11 → 2.75 (0x43)
        x[17] = 0.5f; // 0.5 / (2.75/16) = 2.91 → 3 → 3 · 0.171875 = 0.515625
        x[32] = 0.001f; // block 2: 0.001 / 0.375 = 0.0026667 → subnormal 1.365 · 2^-9 → 2^-9 (0x01)
        x[48] = 1e-5f; // block 3: 2.67e-5 < 2^-9 → clamped up to 2^-9 (0x01)
        // block 4: all zero → clamp → 2^-9
        NvFp4Tensor t = NvFp4Quantizer.quantize(x, 1, 80);
        assertThat(t.globalScale()).as("s_g = 1/16").isEqualTo(0.0625f);
        assertThat(t.blockScaleCodes()).as("E4M3 block scales 448, 2.75, 2^-9, 2^-9, 2^-9")
                .containsExactly(0x7E, 0x43, 0x01, 0x01, 0x01);
        float[] deq = new float[80];
        NvFp4Quantizer.dequantize(t, deq);
        assertThat(deq[0]).as("168 exactly").isEqualTo(168f);
        assertThat(deq[16]).as("1 / (2.75/16) = 5.82 → 6 → 1.03125").isEqualTo(1.03125f);
        assertThat(deq[17]).as("0.5 → 0.515625").isEqualTo(0.515625f);
        // block 2: s_b · s_g = 2^-13; 0.001 · 2^13 = 8.19 → 6 (saturated) → 6 · 2^-13
        assertThat(deq[32]).as("0.001 → 6 · 2^-13").isEqualTo(6 * 0x1p-13f);
        assertThat(Arrays.copyOfRange(deq, 64, 80)).as("the zero block stays zero").containsOnly(0f);

        // compressed-tensors stores g = 6 · 448 / amax = 16, the reciprocal; the data is unchanged
        NvFp4Tensor ct = t.withConvention(NvFp4Convention.COMPRESSED_TENSORS);
        assertThat(ct.globalScale()).as("weight_global_scale = 2688 / 168").isEqualTo(16f);
        assertThat(ct.convention().weightTensorSuffix()).as("tensor name").isEqualTo("weight_global_scale");
        assertThat(ct.modelOptGlobalScale()).as("back to s_g").isEqualTo(0.0625f);
        assertThat(ct.withConvention(NvFp4Convention.MODELOPT).globalScale()).as("round trip").isEqualTo(0.0625f);
        float[] deqCt = new float[80];
        NvFp4Quantizer.dequantize(ct, deqCt);
        assertThat(deqCt).as("both conventions dequantize alike").containsExactly(deq, within(0f));
    }

    @Test
    void staticGlobalScaleSaturatesOutOfRangeActivations() {
        // calibrated s_g = 1 but a block with amax 5000 > 2688: s_b clamps to 448, elements saturate at 6
        float[] x = new float[16];
        x[0] = 5000f;
        x[1] = 1000f; // 1000 / 448 = 2.23 → 2 → 896
        float[] out = new float[16];
        NvFp4Quantizer.fakeQuant(x, out, 1, 16, 1f);
        assertThat(out[0]).as("6 · 448 · 1").isEqualTo(2688f);
        assertThat(out[1]).as("2 · 448").isEqualTo(896f);
        assertThat(NvFp4Quantizer.globalScale(0f)).as("all-zero tensor → s_g = 1").isEqualTo(1f);
        assertThat(NvFp4Quantizer.globalScale(2688f)).as("ModelOpt input_scale = amax / (6 · 448)").isEqualTo(1f);
    }

    @Test
    void fakeQuantEqualsDequantizeOfQuantize() {
        Random rng = new Random(13);
        int rows = 6;
        int cols = 64;
        float[] x = new float[rows * cols]; // (6, 64)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextGaussian() * Math.exp(rng.nextGaussian() * 2));
        }
        NvFp4Tensor t = NvFp4Quantizer.quantize(x, rows, cols);
        float[] deq = new float[x.length];
        NvFp4Quantizer.dequantize(t, deq);
        float[] fake = new float[x.length];
        NvFp4Quantizer.fakeQuant(x, fake, rows, cols, t.globalScale());
        assertThat(deq).as("dequantize(quantize) == fakeQuant").containsExactly(fake, within(0f));
        for (int b = 0; b < x.length / 16; b++) {
            float amax = 0f;
            for (int i = b * 16; i < (b + 1) * 16; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
            // plain reference of the ModelOpt formula
            float sb = FpE4M3.round(Math.min(Math.max(amax / (6f * t.globalScale()), 0x1p-9f), 448f));
            assertThat(t.blockScale(b)).as("block %d scale", b).isEqualTo(sb);
            for (int i = b * 16; i < (b + 1) * 16; i++) {
                float s = sb * t.globalScale();
                assertThat(fake[i]).as("element %d", i).isEqualTo(FpE2M1.round(x[i] / s) * s);
            }
        }
    }

    @Test
    void rejectsRaggedRowsBadScalesAndNaN() {
        assertThatThrownBy(() -> NvFp4Quantizer.quantize(new float[24], 1, 24)).as("blocks of 16 tile the row")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blocks of 16");
        assertThatThrownBy(() -> NvFp4Quantizer.fakeQuant(new float[16], new float[16], 1, 16, 0f))
                .as("global scale > 0").isInstanceOf(IllegalArgumentException.class);
        float[] inf = new float[16];
        inf[2] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> NvFp4Quantizer.quantize(inf, 1, 16)).as("Inf is rejected")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
