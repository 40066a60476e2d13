package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.quant.FpExMyQuantizer;
import dev.rotcal.quant.FpFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** LLM-FP4's format / bias search: a hand case, optimality over formats, and the exact 2^ρ fold. */
class LlmFp4SearchTest {

    @Test
    void powersOfTwoAreExactInE3M0AndNothingElse() {
        // X values 4, 1, 0.25, −0.5 span 16×: E3M0 with maxval 4 (bias 7 − log2 4 = 5) holds 2^(p−5), p = 1..7,
        // i.e. 1/16 … 4, so X is exact; E2M1 spans u·{0.5 … 6} (12×) and E1M2 u·{0.25 … 1.75} (7×), never 16×.
        float[] x = {4f, 1f, //
                0.25f, -0.5f}; // (2, 2)
        float[] w = {1f, -2f, // row max 2: bias 6, values 1/32 … 2
                0.5f, 0.125f}; // row max 0.5: bias 8, values 1/128 … 0.5
        LlmFp4Result result = LlmFp4Search.search(w, 2, 2, x, 2, 10, 3, LlmFp4Search.FORMATS);
        assertThat(result.format()).isEqualTo(FpFormat.E3M0);
        assertThat(result.outputErrors()[0]).as("E3M0 reproduces X·Wᵀ exactly").isZero();
        assertThat(result.outputErrors()[1]).as("E2M1 cannot hold a 16× range").isPositive();
        assertThat(result.outputErrors()[2]).as("E1M2 cannot hold a 16× range").isPositive();
        assertThat(result.activationBias()).as("maxval = max|X| = 4 is kept (nothing beats 0)").isEqualTo(5.0);
        assertThat(result.weightBiases()).as("maxval = row max").containsExactly(6.0, 8.0);
        assertThat(result.channelActivationBiases()).as("channel maxes 4 and 1 → biases 5 and 7")
                .containsExactly(5.0, 7.0);
        assertThat(result.channelShifts()).as("ρ = rint(b_c) − rint(b̃) with b̃ = 5").containsExactly(0, 2);
        assertThat(result.foldedWeights()).as("column 1 carries 2^−2")
                .containsExactly(1f, -0.5f, 0.5f, 0.03125f);
    }

    @Test
    void theChosenFormatIsNeverWorseThanAnotherAndErrorsAreReproducible() {
        Random rnd = new Random(41);
        int n = 24;
        int in = 32;
        int out = 8;
        for (float[] x : new float[][] {WeightClipSearchEquivalenceTest.studentT(rnd, n, in, 3),
                WeightClipSearchTest.randomWithOutliers(rnd, n, in)}) {
            float[] w = WeightClipSearchEquivalenceTest.gaussian(rnd, out, in);
            LlmFp4Result result = LlmFp4Search.search(w, out, in, x, n, 12, 2, LlmFp4Search.FORMATS);
            for (int f = 0; f < 3; f++) {
                assertThat(result.outputError()).as("%s vs %s", result.format(), result.formatsTried().get(f))
                        .isLessThanOrEqualTo(result.outputErrors()[f]);
            }
            // recompute the chosen format's error from the returned biases with the plain quantizer
            float[] xq = new float[n * in];
            FpExMyQuantizer.fakeQuant(x, xq, 0, n * in, result.format(), result.activationBias());
            float[] wq = new float[out * in];
            FpExMyQuantizer.fakeQuantPerRow(w, wq, out, in, result.format(), result.weightBiases());
            double[] y = LayerOutput.exact(x, n, w, out, in);
            assertThat(LayerOutput.error(xq, n, in, wq, out, y)).as("the reported error of the returned biases")
                    .isEqualTo(result.outputError());
            // every step only accepts strict improvements, so the result is never worse than the start
            // (maxval = observed max per weight row and for the activation tensor)
            FpFormat f = result.format();
            double[] startBiases = new double[out];
            for (int r = 0; r < out; r++) {
                float m = 0f;
                for (int c = 0; c < in; c++) {
                    m = Math.max(m, Math.abs(w[r * in + c]));
                }
                startBiases[r] = f.biasForMaxValue(m);
            }
            float xMax = 0f;
            for (float v : x) {
                xMax = Math.max(xMax, Math.abs(v));
            }
            FpExMyQuantizer.fakeQuant(x, xq, 0, n * in, f, f.biasForMaxValue(xMax));
            FpExMyQuantizer.fakeQuantPerRow(w, wq, out, in, f, startBiases);
            double start = LayerOutput.error(xq, n, in, wq, out, y);
            assertThat(result.outputError()).as("%s: searched vs observed-max biases", f).isLessThanOrEqualTo(start);
            System.out.printf("LlmFp4Search random case: errors %s = %s, start (observed max) %.4f%n",
                    result.formatsTried(), java.util.Arrays.toString(result.outputErrors()), start);
        }
    }

    @Test
    void foldingTwoToTheRhoIsExactAndMatchesThePerChannelBias() {
        Random rnd = new Random(42);
        int n = 16;
        int in = 32;
        int out = 4;
        float[] x = WeightClipSearchEquivalenceTest.gaussian(rnd, n, in);
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < in; c++) {
                x[t * in + c] *= 1 << (c % 5); // channel ranges spread over 16×
            }
        }
        float[] w = WeightClipSearchEquivalenceTest.gaussian(rnd, out, in);
        LlmFp4Result result = LlmFp4Search.search(w, out, in, x, n, 6, 1, LlmFp4Search.FORMATS);
        int[] rho = result.channelShifts();
        assertThat(rho).as("spread channels get shifts").containsAnyOf(1, 2, 3, 4);
        float[] shifted = LlmFp4Search.shiftActivations(x, n, in, rho);
        float[] folded = result.foldedWeights();
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < out; r++) {
                float plain = 0f;
                float moved = 0f;
                for (int c = 0; c < in; c++) {
                    plain += x[t * in + c] * w[r * in + c];
                    moved += shifted[t * in + c] * folded[r * in + c];
                }
                assertThat(moved).as("row %d out %d: float X·Wᵀ unchanged bit for bit", t, r).isEqualTo(plain);
            }
        }
        // per-channel bias b̃ + ρ_c on x equals 2^−ρ_c times the tensor bias b̃ on 2^ρ_c · x
        FpFormat f = result.format();
        double tensorBias = result.activationBias();
        for (int i = 0; i < n * in; i++) {
            int c = i % in;
            float perChannel = FpExMyQuantizer.fakeQuant(x[i], f, tensorBias + rho[c]);
            float viaShift = Math.scalb(FpExMyQuantizer.fakeQuant(shifted[i], f, tensorBias), -rho[c]);
            assertThat(viaShift).as("element %d, ρ = %d", i, rho[c]).isEqualTo(perChannel);
        }
        double min = Double.POSITIVE_INFINITY;
        for (double b : result.channelActivationBiases()) {
            min = Math.min(min, b);
        }
        assertThat(min).as("b̃ = min b_c is the searched tensor bias")
                .isCloseTo(result.activationBias(), within(1e-9));
        assertThatThrownBy(() -> LlmFp4Search.search(w, out, in, x, n, 1, 1, LlmFp4Search.FORMATS))
                .hasMessageStartingWith("Cannot search FP4 biases with 1 steps");
    }
}
