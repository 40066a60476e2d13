package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.quant.MxFp4Quantizer;
import dev.rotcal.quant.MxScaleRule;
import dev.rotcal.quant.NvFp4Convention;
import dev.rotcal.quant.NvFp4Quantizer;
import dev.rotcal.quant.QuantizationError;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FP4 weight scales: NVFP4 against a scalar reference written from FORMATS.md, a hand block, fused groups. */
class Fp4WeightScalesTest {

    @Test
    void nvfp4MatchesAScalarReferenceFromTheFormatDescription() {
        Random rnd = new Random(31);
        int out = 24;
        int in = 96;
        for (float[] w : new float[][] {WeightClipSearchEquivalenceTest.gaussian(rnd, out, in),
                WeightClipSearchTest.randomWithOutliers(rnd, out, in),
                WeightClipSearchEquivalenceTest.studentT(rnd, out, in, 2)}) {
            NvFp4Weights got = Fp4WeightScales.nvfp4(w, out, in);
            double amax = 0;
            for (float v : w) {
                amax = Math.max(amax, Math.abs(v));
            }
            double sg = amax / (6 * 448);
            assertThat((double) got.globalScale()).as("s_g = amax / (6 · 448)").isCloseTo(sg, within(1e-6 * sg));
            double sumSq = 0;
            for (int b = 0; b < out * in / 16; b++) {
                double amaxBlock = 0;
                for (int i = 0; i < 16; i++) {
                    amaxBlock = Math.max(amaxBlock, Math.abs(w[b * 16 + i]));
                }
                double sb = referenceE4M3(Math.min(Math.max(amaxBlock / (6 * sg), 0x1p-9), 448));
                for (int i = 0; i < 16; i++) {
                    int k = b * 16 + i;
                    double expected = referenceE2M1(w[k] / (sb * sg)) * sb * sg;
                    assertThat((double) got.dequantized()[k]).as("element %d (block %d)", k, b)
                            .isCloseTo(expected, within(1e-6 * Math.max(amax, 1)));
                    sumSq += (w[k] - expected) * (w[k] - expected);
                }
            }
            assertThat(got.squaredError()).as("reported error is Σ (w − ŵ)²").isCloseTo(sumSq, within(1e-6 * sumSq));
            float[] again = new float[out * in];
            NvFp4Quantizer.dequantize(got.tensor(), again);
            assertThat(again).as("the packed codes and scales reproduce the dequantized weights")
                    .containsExactly(got.dequantized());
            assertThat(got.tensor().withConvention(NvFp4Convention.COMPRESSED_TENSORS).globalScale())
                    .as("compressed-tensors stores the reciprocal").isEqualTo(1f / got.globalScale());
        }
    }

    @Test
    void aHandComputedBlockOfSixteen() {
        // s_g = 1 given; amax_block = 12 → s_b = E4M3(12 / 6) = 2; x / 2 rounded to E2M1 (ties to even mantissa)
        float[] w = {12f, -6f, 3f, 2.9f, 1f, 0.5f, 0.4f, -7f, 9f, 10.1f, 0f, -0.6f, 5f, 4.9f, 2.5f, -11.5f};
        NvFp4Weights got = Fp4WeightScales.nvfp4(w, 1, 16, 1f);
        assertThat(got.blockScales()).as("E4M3 2.0 = 2^1 · 1.0: exponent field 8").containsExactly((byte) 0x40);
        assertThat(got.globalScale()).isEqualTo(1f);
        assertThat(got.dequantized()).as("x / 2 = 6, −3, 1.5, 1.45, 0.5, 0.25→0, 0.2, −3.5→−4, 4.5→4, 5.05→6, 0, "
                        + "−0.3→−0.5, 2.5→2, 2.45, 1.25→1, −5.75→−6; times 2")
                .containsExactly(12f, -6f, 3f, 3f, 1f, 0f, 0f, -8f, 8f, 12f, 0f, -1f, 4f, 4f, 2f, -12f);
        // codes 7, 13, 3, 3, 1, 0, 0, 14, 6, 7, 0, 9, 4, 4, 2, 15; element 2i in the low nibble
        assertThat(got.packedCodes()).containsExactly((byte) 0xD7, (byte) 0x33, (byte) 0x01, (byte) 0xE0,
                (byte) 0x76, (byte) 0x90, (byte) 0x44, (byte) 0xF2);
        assertThat(got.squaredError()).as("0.1² + 0.5² + 0.4² + 1 + 1 + 1.9² + 0.4² + 1 + 0.9² + 0.5² + 0.5²")
                .isCloseTo(8.5, within(1e-5));
    }

    @Test
    void aFusedGroupSharesOneGlobalScaleFromTheGroupAmax() {
        Random rnd = new Random(32);
        int in = 64;
        float[] q = WeightClipSearchEquivalenceTest.gaussian(rnd, 32, in);
        float[] k = WeightClipSearchEquivalenceTest.gaussian(rnd, 16, in);
        float[] v = WeightClipSearchEquivalenceTest.gaussian(rnd, 16, in);
        k[5] = 0.5f; // the group's amax sits in k
        List<NvFp4Weights> group = Fp4WeightScales.nvfp4FusedGroup(List.of(q, k, v), new int[] {32, 16, 16}, in);
        float shared = Fp4WeightScales.sharedGlobalScale(List.of(q, k, v));
        assertThat(shared).as("amax of the group / (6 · 448)").isEqualTo(0.5f / (6 * 448));
        for (NvFp4Weights member : group) {
            assertThat(member.globalScale()).as("every member carries the shared scale").isEqualTo(shared);
        }
        assertThat(Fp4WeightScales.nvfp4(q, 32, in).globalScale()).as("q alone would get its own, smaller scale")
                .isLessThan(shared);
        assertThat(group.get(0).dequantized()).as("q with the shared scale")
                .containsExactly(Fp4WeightScales.nvfp4(q, 32, in, shared).dequantized());
        assertThat(group.get(1).globalScale()).isEqualTo(Fp4WeightScales.nvfp4(k, 16, in).globalScale());
    }

    @Test
    void mxfp4AndActivationScale() {
        Random rnd = new Random(33);
        float[] w = WeightClipSearchTest.randomWithOutliers(rnd, 8, 64);
        for (MxScaleRule rule : MxScaleRule.values()) {
            MxFp4Weights got = Fp4WeightScales.mxfp4(w, 8, 64, rule);
            float[] expected = new float[w.length];
            MxFp4Quantizer.fakeQuant(w, expected, 8, 64, rule);
            assertThat(got.dequantized()).as("%s: equals the quantizer's fake quantization", rule)
                    .containsExactly(expected);
            assertThat(got.blockScales()).as("%s: one E8M0 byte per 32", rule).hasSize(16);
            assertThat(got.squaredError()).isEqualTo(QuantizationError.sumSquaredError(w, expected, 0, w.length));
        }
        ChannelRangeAccumulator ranges = new ChannelRangeAccumulator(2).add(new float[] {1f, -26.88f}, 1);
        assertThat(Fp4WeightScales.activationGlobalScale(ranges)).as("input_scale = amax_act / (6 · 448)")
                .isCloseTo(0.01f, within(1e-9f));
        assertThatThrownBy(() -> Fp4WeightScales.nvfp4(new float[10], 1, 10))
                .hasMessageStartingWith("Cannot quantize 10 columns to NVFP4");
        assertThatThrownBy(() -> Fp4WeightScales.activationGlobalScale(new ChannelRangeAccumulator(2)))
                .hasMessageStartingWith("Cannot compute an NVFP4 input_scale from no rows");
    }

    /** E2M1 by FORMATS.md's thresholds: ≤0.25→0; <0.75→0.5; ≤1.25→1; <1.75→1.5; ≤2.5→2; <3.5→3; ≤5→4; else 6. */
    private static double referenceE2M1(double x) {
        double a = Math.abs(x);
        double r = a <= 0.25 ? 0 : a < 0.75 ? 0.5 : a <= 1.25 ? 1 : a < 1.75 ? 1.5 : a <= 2.5 ? 2 : a < 3.5 ? 3
                : a <= 5 ? 4 : 6;
        return Math.copySign(r, x);
    }

    /** Nearest E4M3 value by enumeration (subnormals m · 2^−9, normals 2^(e−7)(1 + m/8) up to 448), tie → even m. */
    private static double referenceE4M3(double x) {
        double best = 0;
        int bestMantissa = 0;
        for (int e = 0; e < 16; e++) {
            for (int m = 0; m < 8; m++) {
                if (e == 15 && m == 7) {
                    continue; // NaN
                }
                double v = e == 0 ? m * 0x1p-9 : Math.scalb(1 + m / 8.0, e - 7);
                double dv = Math.abs(v - x);
                double db = Math.abs(best - x);
                if (dv < db || (dv == db && m % 2 == 0 && bestMantissa % 2 == 1)) {
                    best = v;
                    bestMantissa = m;
                }
            }
        }
        return best;
    }
}
