package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.quant.NvFp4Quantizer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link LinearScalesSolver} on a q/k/v group small enough to compute by hand (exact RTN scales at clip 1, the NVFP4
 * global scale amax / (6·448) shared by q, k and v), GPTQ against RTN on correlated random inputs for every linear
 * of a layer, and {@link WeightErrors} against explicit rows.
 */
class LinearScalesSolverTest {
    private static final int IN = 16;

    @Test
    void rtnScalesAndTheSharedNvfp4GlobalScaleOfATinyQkvGroup() {
        // q row 0: the integers −7 … 7 and a 0 → max |w| = 7, scale 7 / 7 = 1, every value on the grid
        // q row 1: steps of 0.5 up to ±3.5 → scale 0.5; 0.25 / 0.5 = 0.5 rounds half to even → 0: error 0.25
        float[] q = new float[2 * IN];
        for (int j = 0; j < 15; j++) {
            q[j] = j - 7;
        }
        float[] row1 = {3.5f, -3.5f, 0.25f, 1f, -1.5f, 2f, 0.5f, -0.5f, 0f, 3f, -2.5f, 1.5f, -3f, 2.5f, -1f, 0f};
        System.arraycopy(row1, 0, q, IN, IN);
        float[] k = new float[IN];
        k[5] = 26.88f;              // the group's max |w|: global scale 26.88 / 2688 = 0.01
        k[6] = -4f;
        float[] v = new float[IN];
        v[0] = 0.625f;
        v[9] = -1.75f;              // scale 1.75 / 7 = 0.25: 0.625 / 0.25 = 2.5 → 2 (half to even): error 0.125
        Map<String, float[]> weights = Map.of("q_proj", q, "k_proj", k, "v_proj", v);
        Map<String, Integer> outs = Map.of("q_proj", 2, "k_proj", 1, "v_proj", 1);
        LinearScalesSolver.Options options = new LinearScalesSolver.Options(true, false, false, true, false, 4, 0);

        Map<String, LinearScales> solved = byName(LinearScalesSolver.solve(LinearGroup.QKV, 3, weights, outs,
                input(IN, null), options));

        assertThat(solved).containsOnlyKeys("q_proj", "k_proj", "v_proj");
        Map<String, Tensor> qt = tensors(solved.get("q_proj"));
        assertThat(qt).containsOnlyKeys("model.layers.3.self_attn.q_proj.rtn.weight_scale",
                "model.layers.3.self_attn.q_proj.nvfp4.weight_packed",
                "model.layers.3.self_attn.q_proj.nvfp4.weight_scale",
                "model.layers.3.self_attn.q_proj.nvfp4.weight_scale_2");
        Tensor scale = qt.get("model.layers.3.self_attn.q_proj.rtn.weight_scale");
        assertThat(scale.shape()).as("one scale per output channel").containsExactly(2L, 1L);
        assertThat(scale.floats()).as("max |w| / 7 per row").containsExactly(1f, 0.5f);
        assertThat(tensors(solved.get("v_proj")).get("model.layers.3.self_attn.v_proj.rtn.weight_scale").floats())
                .containsExactly(0.25f);

        double qNorm = 0;
        for (float w : q) {
            qNorm += (double) w * w;
        }
        assertThat((double) solved.get("q_proj").metrics().get("rtn").get("relative_error"))
                .as("only 0.25 is off the grid (rounded to 0)").isCloseTo(0.25 / Math.sqrt(qNorm), within(1e-15));
        assertThat((double) solved.get("v_proj").metrics().get("rtn").get("relative_error"))
                .as("2.5 rounds to 2").isCloseTo(0.125 / Math.sqrt(0.625 * 0.625 + 1.75 * 1.75), within(1e-15));
        assertThat(solved.get("q_proj").metrics().get("rtn")).as("no Hessian: no output error")
                .doesNotContainKey("output_error");

        float global = 26.88f / (6f * 448f);
        for (String linear : List.of("q_proj", "k_proj", "v_proj")) {
            Map<String, Tensor> t = tensors(solved.get(linear));
            String prefix = "model.layers.3.self_attn." + linear + ".nvfp4.";
            Tensor s2 = t.get(prefix + "weight_scale_2");
            assertThat(s2.shape()).as("%s weight_scale_2 is a scalar", linear).isEmpty();
            assertThat(s2.floats()).as("%s shares the group's global scale amax(q, k, v) / (6·448)", linear)
                    .containsExactly(global);
            int out = outs.get(linear);
            assertThat(t.get(prefix + "weight_packed").shape()).as("two E2M1 codes per byte")
                    .containsExactly((long) out, (long) IN / 2);
            assertThat(t.get(prefix + "weight_packed").dtype()).isEqualTo(SafetensorsDtype.U8);
            assertThat(t.get(prefix + "weight_scale").shape()).as("one E4M3 scale per 16")
                    .containsExactly((long) out, 1L);
        }
        assertThat(global).as("q's own global scale would differ: sharing is real")
                .isNotEqualTo(NvFp4Quantizer.globalScale(7f));
    }

    @Test
    void gptqsOutputErrorIsAtMostRtnsForEveryLinearOnCorrelatedInputs() {
        Random random = new Random(11);
        Map<String, Integer> outs = Map.of("q_proj", 64, "k_proj", 32, "v_proj", 32, "o_proj", 64,
                "gate_proj", 96, "up_proj", 96, "down_proj", 64);
        Map<LinearGroup, Integer> widths = Map.of(LinearGroup.QKV, 64, LinearGroup.O, 64, LinearGroup.GATE_UP, 64,
                LinearGroup.DOWN, 96);
        LinearScalesSolver.Options options = new LinearScalesSolver.Options(true, true, true, true, true, 4, 0);
        int checked = 0;
        for (LinearGroup group : LinearGroup.values()) {
            int in = widths.get(group);
            float[] x = correlatedRows(random, 512, in);
            float[] h = new HessianAccumulator(in).add(x, 512).hessian();
            Map<String, float[]> weights = new HashMap<>();
            for (String linear : group.linears()) {
                weights.put(linear, LayerStatisticsTest.gaussian(random, outs.get(linear) * in, 0.05f));
            }
            for (LinearScales s : LinearScalesSolver.solve(group, 0, weights, outs, input(in, h), options)) {
                double rtn = (double) s.metrics().get("rtn").get("output_error");
                double gptq = (double) s.metrics().get("gptq").get("output_error");
                System.out.printf("%s: output error rtn %.4f, gptq %.4f, nvfp4 %.4f, mxfp4 %.4f%n", s.linear(), rtn,
                        gptq, (double) s.metrics().get("nvfp4").get("output_error"),
                        (double) s.metrics().get("mxfp4").get("output_error"));
                assertThat(gptq).as("%s: GPTQ's layer-output error is at most RTN's", s.linear())
                        .isLessThanOrEqualTo(rtn);
                assertThat(s.metrics()).as("%s: every method reports", s.linear())
                        .containsOnlyKeys("rtn", "gptq", "nvfp4", "mxfp4");
                assertThat(s.metrics().values()).allSatisfy(m -> assertThat(m)
                        .containsKeys("relative_error", "output_error"));
                checked++;
            }
        }
        assertThat(checked).as("all seven linears").isEqualTo(7);
    }

    @Test
    void outputErrorEqualsTheRelativeErrorOfTheLayerOutputOnExplicitRows() {
        Random random = new Random(12);
        int n = 200;
        int in = 32;
        int out = 8;
        float[] x = correlatedRows(random, n, in);
        float[] w = LayerStatisticsTest.gaussian(random, out * in, 1f);
        float[] q = LinearScalesSolver.rtnWeights(w, out, in,
                new LinearScalesSolver.Options(true, false, false, false, false, 3, 0));
        double[] num = new double[1];
        double[] den = new double[1];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double y = 0;
                double dy = 0;
                for (int j = 0; j < in; j++) {
                    y += (double) x[i * in + j] * w[o * in + j];
                    dy += (double) x[i * in + j] * ((double) w[o * in + j] - q[o * in + j]);
                }
                num[0] += dy * dy;
                den[0] += y * y;
            }
        }
        double expected = Math.sqrt(num[0] / den[0]);
        float[] h = new HessianAccumulator(in).add(x, n).hessian();
        double actual = WeightErrors.output(w, q, out, in, h);
        System.out.printf("output error %.12f, explicit ‖X·ΔWᵀ‖ / ‖X·Wᵀ‖ %.12f%n", actual, expected);
        assertThat(expected).as("the 3-bit RTN does change the output").isGreaterThan(0.01);
        assertThat(actual).as("from H = 2·XᵀX / N it equals ‖X·ΔWᵀ‖_F / ‖X·Wᵀ‖_F from the rows")
                .isCloseTo(expected, within(1e-5 * expected)); // float32 H and GEMMs, as gptq.py's H
        for (long blockBytes : new long[] {4L * in, 4L * in * 5, 4L * in * 31}) { // blocks of 1, 5 (ragged), 31 rows
            try (WeightErrors blocked = new WeightErrors(w, out, in, h, blockBytes)) {
                assertThat(blocked.output(q)).as("H in native blocks of %d rows", blockBytes / (4 * in))
                        .isCloseTo(actual, within(1e-6 * actual));
            }
        }

        double dw = 0;
        double ww = 0;
        for (int i = 0; i < w.length; i++) {
            dw += ((double) w[i] - q[i]) * ((double) w[i] - q[i]);
            ww += (double) w[i] * w[i];
        }
        assertThat(WeightErrors.relative(w, q)).isCloseTo(Math.sqrt(dw / ww), within(1e-14));
    }

    /** (n, in) rows with strongly correlated columns: Gaussian · a random mixing matrix, plus one loud channel. */
    static float[] correlatedRows(Random random, int n, int in) {
        float[] z = LayerStatisticsTest.gaussian(random, n * in, 1f);
        float[] mix = LayerStatisticsTest.gaussian(random, in * in, 1f);
        float[] x = new float[n * in];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < in; j++) {
                double s = 0;
                for (int l = 0; l < in; l++) {
                    s += z[i * in + l] * (double) mix[l * in + j] * (l < 4 ? 3 : 0.3);
                }
                x[i * in + j] = (float) s;
            }
            x[i * in] *= 5;
        }
        return x;
    }

    private static RotatedInput input(int width, float[] hessian) {
        float[] ratios = ClipRatioSweep.dfrotRatios();
        return new RotatedInput(width, hessian, new float[0], 0, new float[width],
                new ClipSweep(ratios, new double[ratios.length]));
    }

    private static Map<String, LinearScales> byName(List<LinearScales> scales) {
        return scales.stream().collect(Collectors.toMap(LinearScales::linear, Function.identity(), (a, b) -> a,
                LinkedHashMap::new));
    }

    private static Map<String, Tensor> tensors(LinearScales s) {
        return s.tensors().stream().collect(Collectors.toMap(Tensor::name, Function.identity()));
    }
}
