package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** LLM-FP4 ExMy with exponent bias: maxval formula, bias inversion, grid = representable values. */
class FpExMyQuantizerTest {

    @Test
    void maxValueMatchesTheFormatsFormulaByHand() {
        // maxval(E, M, β) = (2 − 2^−M) · 2^(2^E − 1 − β)
        assertThat(FpFormat.E2M1.maxValue(1)).as("E2M1 β=1: 1.5 · 2^(3−1) = 6").isEqualTo(6.0);
        assertThat(FpFormat.E2M1.maxValue(0)).as("E2M1 β=0: 1.5 · 2^3 = 12").isEqualTo(12.0);
        assertThat(FpFormat.E3M0.maxValue(3)).as("E3M0 β=3: 1 · 2^(7−3) = 16").isEqualTo(16.0);
        assertThat(FpFormat.E3M0.maxValue(0)).as("E3M0 β=0: 2^7 = 128").isEqualTo(128.0);
        assertThat(FpFormat.E1M2.maxValue(0)).as("E1M2 β=0: 1.75 · 2^(1−0) = 3.5").isEqualTo(3.5);
        assertThat(FpFormat.E1M2.maxValue(1)).as("E1M2 β=1: 1.75 · 2^0 = 1.75").isEqualTo(1.75);
        assertThat(FpFormat.E2M1.maxValue(2.5)).as("E2M1 β=2.5: 1.5 · 2^0.5")
                .isCloseTo(1.5 * Math.sqrt(2), within(1e-15));
        assertThat(FpFormat.E2M1.standardBias()).as("E2M1 bias").isEqualTo(1);
        assertThat(FpFormat.E3M0.standardBias()).as("E3M0 bias").isEqualTo(3);
        assertThat(FpFormat.E1M2.standardBias()).as("E1M2 bias").isEqualTo(0);
    }

    @Test
    void biasForMaxValueInvertsMaxValue() {
        assertThat(FpFormat.E2M1.biasForMaxValue(6)).as("E2M1 max 6 → β = 1").isCloseTo(1.0, within(1e-12));
        // E2M1 max 1: β = 4 − 0 + log2(1.5) − 1 = 3 + 0.5849625
        assertThat(FpFormat.E2M1.biasForMaxValue(1)).as("E2M1 max 1 → β = 3 + log2 1.5")
                .isCloseTo(3.584962500721156, within(1e-12));
        for (FpFormat f : List.of(FpFormat.E3M0, FpFormat.E2M1, FpFormat.E1M2)) {
            for (double max : new double[] {0.013, 0.37, 1, 6, 113.5}) {
                assertThat(f.maxValue(f.biasForMaxValue(max))).as("%s maxval(β(%s))", f, max)
                        .isCloseTo(max, within(max * 1e-12));
            }
        }
    }

    @Test
    void e2m1WithBiasOneIsTheE2M1Table() {
        double[] grid = FpFormat.E2M1.representableValues(1);
        assertThat(grid).as("E2M1 β=1 grid = ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}")
                .containsExactly(-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6);
        // same rounding, ties included: a dense grid of multiples of 1/64 holds every tie of the table
        for (int i = -640; i <= 640; i++) {
            float x = i / 64f;
            for (float y : new float[] {x, Math.nextUp(x), Math.nextDown(x)}) {
                assertThat(FpExMyQuantizer.fakeQuant(y, FpFormat.E2M1, 1)).as("x = %s", y)
                        .isEqualTo(FpE2M1.round(y));
            }
        }
    }

    private static List<double[]> formatsAndBiases() {
        List<double[]> cases = new ArrayList<>(); // {E, M, β}
        for (FpFormat f : List.of(FpFormat.E3M0, FpFormat.E2M1, FpFormat.E1M2)) {
            for (double bias : new double[] {f.standardBias(), 0, 2.3, -1.7, f.biasForMaxValue(1.0)}) {
                cases.add(new double[] {f.exponentBits(), f.mantissaBits(), bias});
            }
        }
        return cases;
    }

    @Test
    void quantizationGridIsExactlyTheRepresentableSet() {
        Random rng = new Random(5);
        for (double[] c : formatsAndBiases()) {
            FpFormat f = new FpFormat((int) c[0], (int) c[1]);
            double bias = c[2];
            double[] grid = f.representableValues(bias);
            assertThat(grid).as("%s has 2 · 2^(E+M) − 1 distinct values", f).hasSize(2 * (1 << (f.bits() - 1)) - 1)
                    .isSorted();
            TreeSet<Float> gridFloats = new TreeSet<>();
            for (double g : grid) {
                gridFloats.add((float) g + 0f); // + 0f folds −0 into 0
            }
            // (a) every representable value is a fixed point
            for (double g : grid) {
                assertThat(FpExMyQuantizer.fakeQuant((float) g, f, bias)).as("%s β=%s fixed point %s", f, bias, g)
                        .isEqualTo((float) g);
            }
            // (b) every output is representable and nearest, (c) every representable value is reached
            double maxval = f.maxValue(bias);
            TreeSet<Float> seen = new TreeSet<>();
            String firstViolation = null;
            for (int i = 0; i <= 20_000 && firstViolation == null; i++) {
                float x = (float) (maxval * (-1.3 + 2.6 * i / 20_000.0));
                float r = (float) (maxval * rng.nextGaussian() * 0.3);
                for (float y : new float[] {x, r}) {
                    float q = FpExMyQuantizer.fakeQuant(y, f, bias);
                    double best = Double.MAX_VALUE;
                    for (double g : grid) {
                        best = Math.min(best, Math.abs(y - g));
                    }
                    if (!gridFloats.contains(q + 0f)) {
                        firstViolation = "Q(" + y + ") = " + q + " is not representable";
                    } else if (Math.abs((double) y - q) > best + 1e-6 * maxval) {
                        firstViolation = "Q(" + y + ") = " + q + " is not a nearest value";
                    }
                    seen.add(q + 0f);
                }
            }
            assertThat(firstViolation).as("%s β=%s: outputs are representable and nearest", f, bias).isNull();
            assertThat(seen).as("%s β=%s reaches every representable value", f, bias).isEqualTo(gridFloats);
        }
    }

    @Test
    void codesDecodeToTheQuantizedValue() {
        for (double[] c : formatsAndBiases()) {
            FpFormat f = new FpFormat((int) c[0], (int) c[1]);
            double bias = c[2];
            TreeSet<Float> decoded = new TreeSet<>();
            for (int code = 0; code < 1 << f.bits(); code++) {
                float v = FpExMyQuantizer.decode(code, f, bias);
                decoded.add(v + 0f);
                assertThat(FpExMyQuantizer.decode(FpExMyQuantizer.encode(v, f, bias), f, bias))
                        .as("%s β=%s code %d round-trips", f, bias, code).isEqualTo(v);
            }
            TreeSet<Float> grid = new TreeSet<>();
            for (double g : f.representableValues(bias)) {
                grid.add((float) g + 0f);
            }
            assertThat(decoded).as("%s β=%s: the codes decode to the representable set", f, bias).isEqualTo(grid);
            double maxval = f.maxValue(bias);
            for (int i = 0; i <= 2000; i++) {
                float x = (float) (maxval * (-1.2 + 2.4 * i / 2000.0));
                assertThat(FpExMyQuantizer.decode(FpExMyQuantizer.encode(x, f, bias), f, bias))
                        .as("%s β=%s decode(encode(%s)) = Q(x)", f, bias, x)
                        .isEqualTo(FpExMyQuantizer.fakeQuant(x, f, bias));
            }
        }
    }

    @Test
    void handWorkedE3M0AndE1M2Grids() {
        // E3M0 β=3: no mantissa, so only 0 below 2^(1−3) and the powers 2^(v−3), v = 1..7
        assertThat(FpFormat.E3M0.representableValues(3)).as("E3M0 β=3 positive half")
                .containsSubsequence(0, 0.25, 0.5, 1, 2, 4, 8, 16).hasSize(15);
        // 0.125 is the tie between 0 and 0.25 (Δ = 0.25: 0.5 → rint → 0); 3 is the tie 2|4 (1.5 → 2 → 4)
        assertThat(FpExMyQuantizer.fakeQuant(0.125f, FpFormat.E3M0, 3)).as("E3M0 tie at 0.125").isEqualTo(0f);
        assertThat(FpExMyQuantizer.fakeQuant(3f, FpFormat.E3M0, 3)).as("E3M0 tie at 3 goes up").isEqualTo(4f);
        assertThat(FpExMyQuantizer.fakeQuant(100f, FpFormat.E3M0, 3)).as("E3M0 clips at 16").isEqualTo(16f);
        // E1M2 β=0: subnormals k · 2^(1−0−2) = 0, 0.5, 1, 1.5 and normals 2 · (1 + k/4) = 2 .. 3.5: a uniform grid
        assertThat(FpFormat.E1M2.representableValues(0)).as("E1M2 β=0 positive half")
                .containsSubsequence(0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5).hasSize(15);
        assertThat(FpExMyQuantizer.fakeQuant(1.25f, FpFormat.E1M2, 0)).as("E1M2 tie 1|1.5 → 1 (even k)")
                .isEqualTo(1f);
        assertThat(FpExMyQuantizer.fakeQuant(-2.75f, FpFormat.E1M2, 0)).as("E1M2 tie 2.5|3 → 3 (even k)")
                .isEqualTo(-3f);
    }

    @Test
    void perRowBiasesMatchPerElementCalls() {
        float[] x = {0.3f, -1.7f, 2.2f, 9f, 0.3f, -1.7f, 2.2f, 9f}; // (2, 4)
        double[] biases = {1, 2.4}; // (2)
        float[] out = new float[8];
        FpExMyQuantizer.fakeQuantPerRow(x, out, 2, 4, FpFormat.E2M1, biases);
        for (int i = 0; i < 8; i++) {
            assertThat(out[i]).as("element %d uses its row's bias", i)
                    .isEqualTo(FpExMyQuantizer.fakeQuant(x[i], FpFormat.E2M1, biases[i / 4]));
        }
    }
}
