package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.quant.FpFormat;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.MxFp4Quantizer;
import dev.rotcal.quant.MxScaleRule;
import dev.rotcal.quant.NvFp4Quantizer;
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
     * @param llmFp4     LLM-FP4's format and exponent-bias search and HQ-DiT's per-linear format choice (needs the
     *                   input's sample rows)
     * @param fpFormats  the FP formats both search
     * @param fpSteps    maxval candidates of the bias search
     * @param staticScales MergeQuant's static per-channel activation steps of the group's input (needs samples)
     * @param activationBits bits of the static activation steps
     * @param gptqClipSearch QuaRot's weight clip search inside GPTQ's quantizer (--w_clip)
     * @param gptqActOrder   gptq.py's --act-order (per-channel scales only)
     */
    public record Options(boolean rtn, boolean clipSearch, boolean gptq, boolean nvfp4, boolean mxfp4, int bits,
                          int groupSize, boolean llmFp4, List<FpFormat> fpFormats, int fpSteps, boolean staticScales,
                          int activationBits, boolean gptqClipSearch, boolean gptqActOrder) implements Serializable {
        /** Without act-order. */
        public Options(boolean rtn, boolean clipSearch, boolean gptq, boolean nvfp4, boolean mxfp4, int bits,
                       int groupSize, boolean llmFp4, List<FpFormat> fpFormats, int fpSteps, boolean staticScales,
                       int activationBits, boolean gptqClipSearch) {
            this(rtn, clipSearch, gptq, nvfp4, mxfp4, bits, groupSize, llmFp4, fpFormats, fpSteps, staticScales,
                    activationBits, gptqClipSearch, false);
        }

        /** GPTQ without the clip search. */
        public Options(boolean rtn, boolean clipSearch, boolean gptq, boolean nvfp4, boolean mxfp4, int bits,
                       int groupSize, boolean llmFp4, List<FpFormat> fpFormats, int fpSteps, boolean staticScales,
                       int activationBits) {
            this(rtn, clipSearch, gptq, nvfp4, mxfp4, bits, groupSize, llmFp4, fpFormats, fpSteps, staticScales,
                    activationBits, false);
        }

        /** RTN / GPTQ / NVFP4 / MXFP4 only. */
        public Options(boolean rtn, boolean clipSearch, boolean gptq, boolean nvfp4, boolean mxfp4, int bits,
                       int groupSize) {
            this(rtn, clipSearch, gptq, nvfp4, mxfp4, bits, groupSize, false, LlmFp4Search.FORMATS,
                    LlmFp4Search.DEFAULT_STEPS, false, 4);
        }

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
        float nvGlobal = options.nvfp4()
                ? Fp4WeightScales.sharedGlobalScale(group.linears().stream().map(weights::get).toList()) : 0f;
        List<LinearScales> results = new ArrayList<>();
        for (String linear : group.linears()) {
            float[] w = weights.get(linear);
            int out = outs.get(linear);
            checkArgument(w != null && w.length == (long) out * in,
                    "[BUG] linear %s of layer %d: expected (%d, %d) weights", linear, layer, out, in);
            String prefix = group.prefix(layer, linear);
            List<Tensor> tensors = new ArrayList<>();
            Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
            try (WeightErrors errors = new WeightErrors(w, out, in, input.hessian())) {
                WeightClipResult rtnSearch = null;
                if (options.rtn()) {
                    rtnSearch = rtn(prefix, w, out, in, errors, options, tensors, metrics);
                }
                if (options.gptq()) {
                    gptq(prefix, w, out, in, input, errors, options, rtnSearch, tensors, metrics);
                }
                otherFormats(prefix, w, out, in, input, errors, options, nvGlobal, tensors, metrics);
            }
            results.add(new LinearScales(linear, tensors, metrics));
        }
        if (options.staticScales() && input.sampleRows() > 0) {
            results.add(staticScales(group, layer, weights, outs, input, options));
        }
        return results;
    }

    /** NVFP4, MXFP4 and LLM-FP4 / HQ-DiT of one linear. */
    private static void otherFormats(String prefix, float[] w, int out, int in, RotatedInput input,
                                     WeightErrors errors, Options options, float nvGlobal, List<Tensor> tensors,
                                     Map<String, Map<String, Object>> metrics) {
        if (options.nvfp4()) {
            NvFp4Weights t = Fp4WeightScales.nvfp4(w, out, in, nvGlobal);
            tensors.add(Tensor.ofBytes(prefix + ".nvfp4.weight_packed", SafetensorsDtype.U8,
                    List.of((long) out, (long) in / 2), t.packedCodes()));
            tensors.add(Tensor.ofBytes(prefix + ".nvfp4.weight_scale", SafetensorsDtype.U8,
                    List.of((long) out, (long) in / NvFp4Quantizer.BLOCK_SIZE), t.blockScales()));
            tensors.add(Tensor.ofFloats(prefix + ".nvfp4.weight_scale_2", SafetensorsDtype.F32, List.of(),
                    new float[] {t.globalScale()}));
            metrics.put("nvfp4", errors(errors, t.dequantized()));
        }
        if (options.mxfp4()) {
            MxFp4Weights t = Fp4WeightScales.mxfp4(w, out, in, MxScaleRule.OCP_FLOOR);
            tensors.add(Tensor.ofBytes(prefix + ".mxfp4.weight_packed", SafetensorsDtype.U8,
                    List.of((long) out, (long) in / 2), t.packedCodes()));
            tensors.add(Tensor.ofBytes(prefix + ".mxfp4.weight_scale", SafetensorsDtype.U8,
                    List.of((long) out, (long) in / MxFp4Quantizer.BLOCK_SIZE), t.blockScales()));
            metrics.put("mxfp4", errors(errors, t.dequantized()));
        }
        if (options.llmFp4() && input.sampleRows() > 0) {
            llmFp4(prefix, w, out, in, input, options, tensors, metrics);
        }
    }

    /**
     * MergeQuant's static per-channel steps of the group's input, the clip ratio chosen by the group's output error
     * on the sample (the group's linears stacked as one weight). Published under the input's name
     * ("model.layers.{i}.attn_in.static_step"), with the chosen ratio; the README says where each input's steps
     * fold (the gain before attn_in / mlp_in, v_proj's rows before o_proj_in; down_proj_in's follow R4's online
     * Hadamard and stay an explicit scale).
     */
    private static LinearScales staticScales(LinearGroup group, int layer, Map<String, float[]> weights,
                                             Map<String, Integer> outs, RotatedInput input, Options options) {
        int in = input.width();
        int out = 0;
        for (String linear : group.linears()) {
            out += outs.get(linear);
        }
        float[] stacked = new float[out * in]; // (Σ out, in) the group's weights one under the other
        int offset = 0;
        for (String linear : group.linears()) {
            float[] w = weights.get(linear);
            System.arraycopy(w, 0, stacked, offset, w.length);
            offset += w.length;
        }
        ClipSweep sweep = StaticActivationScales.searchClipRatio(input.sample(), input.sampleRows(),
                input.channelAbsMax(), stacked, out, options.activationBits());
        float[] steps = StaticActivationScales.steps(input.channelAbsMax(), options.activationBits(), sweep.bestRatio());
        String prefix = "model.layers." + layer + "." + group.input().key();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clip_ratio", sweep.bestRatio());
        m.put("output_error", sweep.bestError());
        m.put("output_error_clip_1", sweep.errorAtLargestRatio());
        return new LinearScales(group.input().key(), List.of(
                Tensor.ofFloats(prefix + ".static_step", SafetensorsDtype.F32, List.of((long) in), steps),
                Tensor.ofFloats(prefix + ".static_clip_ratio", SafetensorsDtype.F32, List.of(),
                        new float[] {sweep.bestRatio()})), Map.of("static", m));
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

    /** RTN of one linear; returns its clip search (null without one) for GPTQ to reuse. */
    private static WeightClipResult rtn(String prefix, float[] w, int out, int in, WeightErrors errors,
                                        Options options, List<Tensor> tensors, Map<String, Map<String, Object>> metrics) {
        IntScheme scheme = options.intScheme();
        float[] q;
        IntScales scales;
        WeightClipResult search = null;
        if (options.clipSearch()) {
            WeightClipResult r = WeightClipSearch.search(w, out, in, scheme);
            search = r;
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
        metrics.put("rtn", errors(errors, q));
        return search;
    }

    /**
     * LLM-FP4's search (tensors: weight_bias (out), input_bias (), input_shift (in) = ρ, format (2) = [E, M]) and
     * HQ-DiT's choice among INT4 and the FP formats, both by the layer-output error on the input's sample rows.
     */
    private static void llmFp4(String prefix, float[] w, int out, int in, RotatedInput input, Options options,
                               List<Tensor> tensors, Map<String, Map<String, Object>> metrics) {
        int n = input.sampleRows();
        LlmFp4Result r = LlmFp4Search.search(w, out, in, input.sample(), n, options.fpSteps(),
                LlmFp4Search.DEFAULT_ROUNDS, options.fpFormats());
        float[] weightBias = new float[out];
        for (int i = 0; i < out; i++) {
            weightBias[i] = (float) r.weightBiases()[i];
        }
        tensors.add(Tensor.ofFloats(prefix + ".llm_fp4.weight_bias", SafetensorsDtype.F32, List.of((long) out),
                weightBias));
        tensors.add(Tensor.ofFloats(prefix + ".llm_fp4.input_bias", SafetensorsDtype.F32, List.of(),
                new float[] {(float) r.activationBias()}));
        tensors.add(Tensor.ofInts(prefix + ".llm_fp4.input_shift", List.of((long) in), r.channelShifts()));
        tensors.add(Tensor.ofInts(prefix + ".llm_fp4.format", List.of(2L),
                new int[] {r.format().exponentBits(), r.format().mantissaBits()}));
        double reference = outputEnergy(input.sample(), n, w, out, in);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", r.format().toString());
        m.put("output_error", Math.sqrt(r.outputError() / reference));
        Map<String, Object> byFormat = new LinkedHashMap<>();
        for (int f = 0; f < r.formatsTried().size(); f++) {
            byFormat.put(r.formatsTried().get(f).toString(), Math.sqrt(r.outputErrors()[f] / reference));
        }
        m.put("output_error_by_format", byFormat);
        metrics.put("llm_fp4", m);

        List<HybridFormat> candidates = new ArrayList<>(List.of(HybridFormat.INT4));
        for (HybridFormat h : HybridFormat.values()) {
            if (h.isFloatingPoint() && options.fpFormats().contains(h.fpFormat())) {
                candidates.add(h);
            }
        }
        HqDitResult choice = HqDitChoice.choose(w, out, in, input.sample(), n, candidates);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("winner", choice.winner().name());
        Map<String, Object> errors = new LinkedHashMap<>();
        for (HybridFormat h : choice.candidates()) {
            errors.put(h.name(), Math.sqrt(choice.error(h) / reference));
        }
        c.put("output_error_by_format", errors);
        c.put("runner_up", choice.runnerUp().name());
        c.put("relative_margin", choice.relativeMargin());
        metrics.put("hq_dit", c);
    }

    /** ‖X·Wᵀ‖²_F in double. */
    private static double outputEnergy(float[] x, int n, float[] w, int out, int in) {
        double sum = 0;
        for (double y : LayerOutput.exact(x, n, w, out, in)) {
            sum += y * y;
        }
        return Math.max(sum, Double.MIN_NORMAL);
    }

    /**
     * GPTQ of one linear. With per-channel scales and the clip search on both, GPTQ's search runs on W itself before
     * any update, which is RTN's search: {@code rtnSearch}'s scales are used instead of searching again.
     */
    private static void gptq(String prefix, float[] w, int out, int in, RotatedInput input, WeightErrors errors,
                             Options options, WeightClipResult rtnSearch, List<Tensor> tensors,
                             Map<String, Map<String, Object>> metrics) {
        checkArgument(input.hessian() != null, "[BUG] GPTQ of %s without the input's Hessian", prefix);
        float[] rowScales = options.gptqClipSearch() && options.groupSize() == 0 && rtnSearch != null
                ? rtnSearch.scales().scales() : null;
        errors.close(); // GPTQ's native U and the errors' native H need not coexist (6.6 + 3.3 GB at 70B)
        GptqResult r = GptqQuantizer.quantize(w, out, in, input.hessian(), options.intScheme(),
                options.gptqClipSearch(), options.gptqActOrder(), rowScales);
        if (packsInt32(options.bits(), in)) {
            tensors.add(Tensor.ofInts(prefix + ".gptq.weight_packed", List.of((long) out, (long) in / 8),
                    Int4Packing.packInt32(r.codes(), out, in)));
        } else {
            tensors.add(Tensor.ofBytes(prefix + ".gptq.weight_codes", SafetensorsDtype.I8,
                    List.of((long) out, (long) in), r.codes()));
        }
        tensors.add(Tensor.ofFloats(prefix + ".gptq.weight_scale", SafetensorsDtype.F32, scaleShape(out, in, options),
                r.scales().scales()));
        Map<String, Object> m = errors(errors, r.dequantized());
        m.put("dead_columns", r.deadColumns());
        metrics.put("gptq", m);
    }

    /** Whether GPTQ codes are published packed (compressed-tensors int32) rather than one I8 per code. */
    public static boolean packsInt32(int bits, int in) {
        return bits == 4 && in % 8 == 0;
    }

    private static List<Long> scaleShape(int out, int in, Options options) {
        return options.groupSize() == 0 ? List.of((long) out, 1L) : List.of((long) out, (long) in / options.groupSize());
    }

    /** relative_error always; output_error when the input's Hessian is known. */
    static Map<String, Object> errors(WeightErrors errors, float[] q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relative_error", errors.relative(q));
        if (errors.hasOutputError()) {
            m.put("output_error", errors.output(q));
        }
        return m;
    }

}
