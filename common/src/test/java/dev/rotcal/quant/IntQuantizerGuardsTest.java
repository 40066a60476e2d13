package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Hand-worked INT scales, the zero-range guards, code ranges and argument checks. */
class IntQuantizerGuardsTest {

    @Test
    void asymmetricHandExample() {
        // row [−1, 0, 0.5, 2], INT4 asym: s = (2 − (−1)) / 15 = 0.2, z = rint(1 / 0.2) = 5
        // codes: rint(x / 0.2) + 5 = 0, 5, rint(2.5) + 5 = 7 (tie to even), 10 + 5 = 15
        float[] x = {-1f, 0f, 0.5f, 2f}; // (1, 4)
        IntScheme scheme = IntScheme.perRow(4, false, 1f);
        IntScales scales = IntScales.compute(x, 1, 4, scheme);
        assertThat(scales.scales()[0]).as("s = 3 / 15").isEqualTo(0.2f);
        assertThat(scales.zeroPoints()[0]).as("z = rint(-min / s)").isEqualTo(5);
        byte[] codes = new byte[4];
        IntQuantizer.quantize(x, codes, 1, 4, scheme, scales);
        assertThat(codes).as("asym codes, 2.5 rounds to 2").containsExactly(0, 5, 7, 15);
        float[] deq = new float[4];
        IntQuantizer.dequantize(codes, deq, 1, 4, scheme, scales);
        assertThat(deq).as("x̂ = s (q − z)").containsExactly(new float[] {-1f, 0f, 0.4f, 2f}, within(1e-6f));
    }

    @Test
    void asymmetricZeroRangeBecomesMinusOneToOne() {
        // all-zero slot → [−1, +1]: s = 2 / 15, z = rint(1 / s). In exact arithmetic 1 / s = 7.5 (→ 8), but
        // fp32 rounds 2/15 up to 0.13333334, so 1 / s = 7.4999996 → 7, exactly as torch's float32 code does
        float[] x = new float[8]; // (2, 4) zeros
        IntScales scales = IntScales.compute(x, 2, 4, IntScheme.perRow(4, false, 1f));
        assertThat(scales.scales()).as("zero range → s = 2 / 15").containsOnly(2f / 15f);
        assertThat(scales.zeroPoints()).as("z = rint(7.4999996) = 7").containsOnly(7);
        float[] out = new float[8];
        IntQuantizer.fakeQuant(x, out, 2, 4, IntScheme.perRow(4, false, 1f), scales);
        assertThat(out).as("zeros stay exactly zero").containsOnly(0f);
    }

    @Test
    void symmetricZeroScaleBecomesOne() {
        float[] x = new float[6]; // (3, 2) zeros
        IntScales scales = IntScales.compute(x, 3, 2, IntScheme.perColumn(4, true, 1f));
        assertThat(scales.scales()).as("an all-zero symmetric slot gets scale 1").containsOnly(1f);
        assertThat(scales.zeroPoints()).as("symmetric zero points are 0").containsOnly(0);
    }

    @Test
    void weightScalesAreClampedAtOneEMinusFive() {
        float[] x = {1e-9f, -2e-9f, 0f, 1e-9f}; // (1, 4) a nearly-dead output channel
        IntScales sym = IntScales.compute(x, 1, 4, IntScheme.perRow(4, true, 1f).forWeights());
        assertThat(sym.scales()[0]).as("sym weight scale floor").isEqualTo(IntScheme.WEIGHT_MIN_SCALE);
        IntScales asym = IntScales.compute(x, 1, 4, IntScheme.perRow(4, false, 1f).forWeights());
        assertThat(asym.scales()[0]).as("asym weight scale floor").isEqualTo(IntScheme.WEIGHT_MIN_SCALE);
        assertThat(asym.zeroPoints()[0]).as("z = rint(2e-9 / 1e-5) = 0").isEqualTo(0);
        IntScales act = IntScales.compute(x, 1, 4, IntScheme.perRow(4, true, 1f));
        assertThat(act.scales()[0]).as("activations have no floor: 2e-9 / 7").isEqualTo(2e-9f / 7f);
    }

    @Test
    void perGroupHasOneScalePerGroupAlongTheRow() {
        // (2, 8) with groups of 4: slots (2, 2); group maxima 4, 8, 0.7, 14
        float[] x = {1, -4, 2, 3, 8, 0, 0, 1, 0.7f, 0, 0, 0, -14, 7, 0, 1}; // (2, 8)
        IntScales scales = IntScales.compute(x, 2, 8, IntScheme.perGroup(4, true, 4, 1f));
        assertThat(scales.scales()).as("s = max|x| / 7 per group")
                .containsExactly(new float[] {4f / 7, 8f / 7, 0.7f / 7, 2f}, within(0f));
    }

    @Test
    void codesStayInTheirRangeAndEightBitAsymmetricCodesAreUnsigned() {
        float[] x = {-3.2f, -1f, 0f, 2f, 5f, 7f, 9f, 12f}; // (1, 8)
        IntScheme asym8 = IntScheme.perRow(8, false, 1f);
        IntScales scales = IntScales.compute(x, 1, 8, asym8);
        byte[] codes = new byte[8];
        IntQuantizer.quantize(x, codes, 1, 8, asym8, scales);
        assertThat(Byte.toUnsignedInt(codes[7])).as("the max maps to code 255 (stored as a signed byte)")
                .isEqualTo(255);
        assertThat(Byte.toUnsignedInt(codes[0])).as("the min maps to code 0").isEqualTo(0);
        float[] deq = new float[8];
        IntQuantizer.dequantize(codes, deq, 1, 8, asym8, scales);
        assertThat(deq[7]).as("code 255 decodes as unsigned").isCloseTo(12f, within(scales.scales()[0] / 2));

        IntScheme sym4 = IntScheme.perRow(4, true, 0.5f); // heavy clipping: codes must clamp to [−8, 7]
        IntScales s4 = IntScales.compute(x, 1, 8, sym4);
        IntQuantizer.quantize(x, codes, 1, 8, sym4, s4);
        // s = 0.5 · 12 / 7, so x / s = 7x / 6: −3.73 → −4, −1.17 → −1, 0, 2.33 → 2, 5.83 → 6, then 8.17,
        // 10.5 and 14 all clamp to 7
        assertThat(codes).as("clipped symmetric codes clamp to [-8, 7]")
                .containsExactly(-4, -1, 0, 2, 6, 7, 7, 7);
    }

    @Test
    void rejectsBadShapesSchemesAndNonFiniteData() {
        float[] x = new float[12]; // (2, 6)
        assertThatThrownBy(() -> IntScales.compute(x, 2, 6, IntScheme.perGroup(4, true, 4, 1f)))
                .as("groups must tile the row").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks of 4");
        assertThatThrownBy(() -> IntScheme.perRow(4, true, 0f)).as("clip ratio in (0, 1]")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip ratio 0.0");
        assertThatThrownBy(() -> IntScheme.perRow(9, true, 1f)).as("codes fit a byte")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 bits");
        IntScales perRow = IntScales.compute(x, 2, 6, IntScheme.perRow(4, true, 1f));
        assertThatThrownBy(() -> IntQuantizer.fakeQuant(x, new float[12], 2, 6, IntScheme.perColumn(4, true, 1f),
                perRow)).as("scale count must match the granularity").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 6");
        float[] nan = {1f, Float.NaN, 0f, 2f}; // (1, 4)
        assertThatThrownBy(() -> IntScales.compute(nan, 1, 4, IntScheme.perRow(4, false, 1f)))
                .as("NaN is reported, not quantized").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite");
        assertThatThrownBy(() -> IntQuantizer.fakeQuantSymmetricPerRow(x, new float[5], 2, 6, 4, 1f))
                .as("the legacy entry point checks sizes").isInstanceOf(IllegalArgumentException.class);
    }
}
