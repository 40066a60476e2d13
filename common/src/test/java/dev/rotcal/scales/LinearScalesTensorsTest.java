package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.quant.MxFp4Quantizer;
import dev.rotcal.quant.MxFp4Tensor;
import dev.rotcal.quant.MxScaleRule;
import dev.rotcal.quant.NvFp4Convention;
import dev.rotcal.quant.NvFp4Quantizer;
import dev.rotcal.quant.NvFp4Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What a serving stack reads from a layer file is enough to rebuild the weights whose errors metrics.json reports:
 * for every linear of a q/k/v group and each method, Ŵ rebuilt from the published tensors alone (GPTQ: int32 words
 * of 8 codes with +8 offset, element i at bits [4i, 4i+4), times weight_scale; RTN: the symmetric quantizer with
 * weight_scale; NVFP4 / MXFP4: codes, block scales and the global scale) has exactly the reported relative_error and
 * output_error. Per output channel and per group of 16.
 */
class LinearScalesTensorsTest {
    private static final int IN = 64;
    private static final Map<String, Integer> OUTS = Map.of("q_proj", 32, "k_proj", 16, "v_proj", 16);

    @Test
    void publishedTensorsRebuildTheMeasuredWeightsPerChannel() {
        check(0);
    }

    @Test
    void publishedTensorsRebuildTheMeasuredWeightsPerGroup() {
        check(16);
    }

    private static void check(int groupSize) {
        Random random = new Random(41 + groupSize);
        float[] x = LinearScalesSolverTest.correlatedRows(random, 256, IN);
        float[] h = new HessianAccumulator(IN).add(x, 256).hessian();
        Map<String, float[]> weights = new HashMap<>();
        OUTS.forEach((linear, out) -> weights.put(linear, LayerStatisticsTest.gaussian(random, out * IN, 0.05f)));
        weights.get("k_proj")[7] = 0.9f; // an outlier weight: the clip search and the shared global scale matter
        LinearScalesSolver.Options options = new LinearScalesSolver.Options(true, true, true, true, true, 4,
                groupSize);
        float[] ratios = ClipRatioSweep.dfrotRatios();
        RotatedInput input = new RotatedInput(IN, h, new float[0], 0, new float[IN],
                new ClipSweep(ratios, new double[ratios.length]));
        List<LinearScales> solved = LinearScalesSolver.solve(LinearGroup.QKV, 1, weights, OUTS, input, options);
        int groups = groupSize == 0 ? 1 : IN / groupSize;
        for (LinearScales s : solved) {
            int out = OUTS.get(s.linear());
            float[] w = weights.get(s.linear());
            Map<String, Tensor> t = s.tensors().stream().collect(Collectors.toMap(Tensor::name, Function.identity()));
            String p = LinearGroup.QKV.prefix(1, s.linear()) + ".";

            float[] gptq = new float[w.length];
            int[] words = t.get(p + "gptq.weight_packed").ints();
            float[] gScale = t.get(p + "gptq.weight_scale").floats();
            assertThat(t.get(p + "gptq.weight_scale").shape()).containsExactly((long) out, (long) groups);
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < IN; j++) {
                    int word = words[o * (IN / 8) + j / 8];
                    int code = ((word >>> (4 * (j % 8))) & 0xF) - 8;
                    gptq[o * IN + j] = code * gScale[o * groups + j * groups / IN];
                }
            }
            checkErrors(s, "gptq", w, gptq, out, h);

            float[] rtn = new float[w.length];
            float[] rScale = t.get(p + "rtn.weight_scale").floats();
            assertThat(t.get(p + "rtn.clip_ratio").shape()).containsExactly((long) out, (long) groups);
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < IN; j++) {
                    float sc = rScale[o * groups + j * groups / IN];
                    float code = Math.min(Math.max((float) Math.rint(w[o * IN + j] / sc), -8f), 7f);
                    rtn[o * IN + j] = code * sc;
                }
            }
            checkErrors(s, "rtn", w, rtn, out, h);

            float[] nv = new float[w.length];
            NvFp4Quantizer.dequantize(new NvFp4Tensor(out, IN, t.get(p + "nvfp4.weight_packed").bytes(),
                    t.get(p + "nvfp4.weight_scale").bytes(), t.get(p + "nvfp4.weight_scale_2").floats()[0],
                    NvFp4Convention.MODELOPT), nv);
            checkErrors(s, "nvfp4", w, nv, out, h);

            float[] mx = new float[w.length];
            MxFp4Quantizer.dequantize(new MxFp4Tensor(out, IN, t.get(p + "mxfp4.weight_packed").bytes(),
                    t.get(p + "mxfp4.weight_scale").bytes(), MxScaleRule.OCP_FLOOR), mx);
            checkErrors(s, "mxfp4", w, mx, out, h);
        }
    }

    private static void checkErrors(LinearScales s, String method, float[] w, float[] rebuilt, int out, float[] h) {
        Map<String, Object> m = s.metrics().get(method);
        double relative = WeightErrors.relative(w, rebuilt);
        double output = WeightErrors.output(w, rebuilt, out, IN, h);
        System.out.printf("%s %s: relative %.6f (reported %.6f), output %.6f (reported %.6f)%n", s.linear(), method,
                relative, (double) m.get("relative_error"), output, (double) m.get("output_error"));
        assertThat(relative).as("%s %s: Ŵ from the tensors has the reported relative error", s.linear(), method)
                .isGreaterThan(0).isCloseTo((double) m.get("relative_error"), within(1e-12));
        assertThat(output).as("%s %s: ... and the reported output error", s.linear(), method)
                .isCloseTo((double) m.get("output_error"), within(1e-12));
    }
}
