package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.MxFp4Quantizer;
import dev.rotcal.quant.MxFp4Tensor;
import dev.rotcal.quant.MxScaleRule;
import dev.rotcal.quant.NvFp4Quantizer;
import dev.rotcal.quant.NvFp4Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes every requested weight quantization of one {@link LinearGroup} of one layer of the rotated model — the
 * work of one scales-stage task. Pure: rotated weights and the rotated input statistics in, tensors and errors
 * out. Tensor names: "{prefix}.{method}.{field}" with prefix "model.layers.{i}.self_attn.q_proj" (README table).
 */
public final class LinearScalesSolver {

    /**
     * @param rtn        symmetric INT round-to-nearest
     * @param clipSearch QuaRot's weight clip search for rtn (else clip 1.0)
     * @param gptq       GPTQ (needs the input's Hessian)
     * @param nvfp4      NVFP4 with one global scale per group
     * @param mxfp4      MXFP4 (OCP rule)
     * @param bits       bits of rtn and gptq
     * @param groupSize  0 = per output channel, else per group of this many input columns
     */
    public record Options(boolean rtn, boolean clipSearch, boolean gptq, boolean nvfp4, boolean mxfp4, int bits,
                          int groupSize) implements Serializable {
        /** The symmetric weight scheme of rtn and gptq. */
        public IntScheme intScheme() {
            return groupSize == 0 ? IntScheme.perRow(bits, true, 1f) : IntScheme.perGroup(bits, true, groupSize, 1f);
        }
    }

    private LinearScalesSolver() {
    }

    /**
     * @param weights linear name → (out, in) row-major weights of the ROTATED model
     * @param outs    linear name → out
     * @param input   the group's rotated input
     */
    public static List<LinearScales> solve(LinearGroup group, int layer, Map<String, float[]> weights,
                                           Map<String, Integer> outs, RotatedInput input, Options options) {
        int in = input.width();
        float nvGlobal = options.nvfp4() ? NvFp4Quantizer.globalScale(groupAmax(group, weights)) : 0f;
        List<LinearScales> results = new ArrayList<>();
        for (String linear : group.linears()) {
            float[] w = weights.get(linear);
            int out = outs.get(linear);
            checkArgument(w != null && w.length == (long) out * in,
                    "[BUG] linear %s of layer %d: expected (%d, %d) weights", linear, layer, out, in);
            String prefix = group.prefix(layer, linear);
            List<Tensor> tensors = new ArrayList<>();
            Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
            if (options.rtn()) {
                rtn(prefix, w, out, in, input, options, tensors, metrics);
            }
            if (options.gptq()) {
                gptq(prefix, w, out, in, input, options, tensors, metrics);
            }
            if (options.nvfp4()) {
                NvFp4Tensor t = NvFp4Quantizer.quantize(w, out, in, nvGlobal);
                float[] q = new float[w.length];
                NvFp4Quantizer.dequantize(t, q);
                tensors.add(Tensor.ofBytes(prefix + ".nvfp4.weight_packed", SafetensorsDtype.U8,
                        List.of((long) out, (long) in / 2), t.packedCodes()));
                tensors.add(Tensor.ofBytes(prefix + ".nvfp4.weight_scale", SafetensorsDtype.U8,
                        List.of((long) out, (long) in / NvFp4Quantizer.BLOCK_SIZE), t.blockScaleCodes()));
                tensors.add(Tensor.ofFloats(prefix + ".nvfp4.weight_scale_2", SafetensorsDtype.F32, List.of(),
                        new float[] {t.modelOptGlobalScale()}));
                metrics.put("nvfp4", errors(w, q, out, in, input));
            }
            if (options.mxfp4()) {
                MxFp4Tensor t = MxFp4Quantizer.quantize(w, out, in, MxScaleRule.OCP_FLOOR);
                float[] q = new float[w.length];
                MxFp4Quantizer.dequantize(t, q);
                tensors.add(Tensor.ofBytes(prefix + ".mxfp4.weight_packed", SafetensorsDtype.U8,
                        List.of((long) out, (long) in / 2), t.packedCodes()));
                tensors.add(Tensor.ofBytes(prefix + ".mxfp4.weight_scale", SafetensorsDtype.U8,
                        List.of((long) out, (long) in / MxFp4Quantizer.BLOCK_SIZE), t.scaleCodes()));
                metrics.put("mxfp4", errors(w, q, out, in, input));
            }
            results.add(new LinearScales(linear, tensors, metrics));
        }
        return results;
    }

    /** The RTN fake-quantized weights (clip search as in {@code options}), (out, in) row-major. */
    public static float[] rtnWeights(float[] w, int out, int in, Options options) {
        if (options.clipSearch()) {
            return WeightClipSearch.search(w, out, in, options.intScheme()).quantized();
        }
        float[] q = new float[w.length];
        IntQuantizer.fakeQuant(w, q, out, in, options.intScheme().forWeights());
        return q;
    }

    private static void rtn(String prefix, float[] w, int out, int in, RotatedInput input, Options options,
                            List<Tensor> tensors, Map<String, Map<String, Object>> metrics) {
        IntScheme scheme = options.intScheme();
        float[] q;
        IntScales scales;
        if (options.clipSearch()) {
            WeightClipResult r = WeightClipSearch.search(w, out, in, scheme);
            q = r.quantized();
            scales = r.scales();
            tensors.add(Tensor.ofFloats(prefix + ".rtn.clip_ratio", SafetensorsDtype.F32,
                    scaleShape(out, in, options), r.clipRatios()));
        } else {
            q = new float[w.length];
            scales = IntQuantizer.fakeQuant(w, q, out, in, scheme.forWeights());
        }
        tensors.add(Tensor.ofFloats(prefix + ".rtn.weight_scale", SafetensorsDtype.F32, scaleShape(out, in, options),
                scales.scales()));
        metrics.put("rtn", errors(w, q, out, in, input));
    }

    private static void gptq(String prefix, float[] w, int out, int in, RotatedInput input, Options options,
                             List<Tensor> tensors, Map<String, Map<String, Object>> metrics) {
        checkArgument(input.hessian() != null, "[BUG] GPTQ of %s without the input's Hessian", prefix);
        GptqResult r = GptqQuantizer.quantize(w, out, in, input.hessian(), options.intScheme());
        if (options.bits() == 4 && in % 8 == 0) {
            tensors.add(Tensor.ofInts(prefix + ".gptq.weight_packed", List.of((long) out, (long) in / 8),
                    Int4Packing.packInt32(r.codes(), out, in)));
        } else {
            tensors.add(Tensor.ofBytes(prefix + ".gptq.weight_codes", SafetensorsDtype.I8,
                    List.of((long) out, (long) in), r.codes()));
        }
        tensors.add(Tensor.ofFloats(prefix + ".gptq.weight_scale", SafetensorsDtype.F32, scaleShape(out, in, options),
                r.scales().scales()));
        Map<String, Object> m = errors(w, r.dequantized(), out, in, input);
        m.put("dead_columns", r.deadColumns());
        metrics.put("gptq", m);
    }

    private static List<Long> scaleShape(int out, int in, Options options) {
        return options.groupSize() == 0 ? List.of((long) out, 1L) : List.of((long) out, (long) in / options.groupSize());
    }

    /** relative_error always; output_error when the input's Hessian is known. */
    static Map<String, Object> errors(float[] w, float[] q, int out, int in, RotatedInput input) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relative_error", WeightErrors.relative(w, q));
        if (input.hessian() != null) {
            m.put("output_error", WeightErrors.output(w, q, out, in, input.hessian()));
        }
        return m;
    }

    private static float groupAmax(LinearGroup group, Map<String, float[]> weights) {
        float amax = 0;
        for (String linear : group.linears()) {
            for (float v : weights.get(linear)) {
                amax = Math.max(amax, Math.abs(v));
            }
        }
        return amax;
    }
}
