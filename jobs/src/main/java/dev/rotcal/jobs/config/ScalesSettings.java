package dev.rotcal.jobs.config;

import dev.rotcal.quant.FpFormat;
import java.io.Serializable;
import java.util.List;

/**
 * {@code rotcal.scales}: which per-layer quantization parameters the scales stage computes for the rotated
 * model (reference/FORMATS.md). Checked against the model's shapes by {@link Preflight}.
 *
 * @param enabled              run the scales stage (needs model.uri: dumps carry no weights)
 * @param weightMethods        weight quantizers to run, in config order
 * @param weightBits           bits of the symmetric INT weight quantizer (RTN and GPTQ), 2..8
 * @param groupSize            INT weight scales per output channel (0) or per group of this many input columns
 * @param weightClipSearch     QuaRot's |Δ|^2.4 shrink search for RTN (false: clip 1.0)
 * @param activationBits       bits of the per-token asymmetric activation quantizer whose clip ratio is chosen
 * @param kvBits               bits of the asymmetric KV-cache quantizer (group = head_dim)
 * @param staticActivationScales also compute MergeQuant-style static per-channel activation scales
 * @param fpFormats            the FP formats LLM-FP4 and the per-layer format choice search over
 * @param fpSearchSteps        maxval candidates of the LLM-FP4 bias search (LLM-FP4: 100)
 * @param sampleRows           input rows per linear kept for the LLM-FP4 / format-choice output error
 * @param sequences            the stage's own calibration windows (data.sequence-length tokens each, not DFRot's)
 * @param gptqInputs           where GPTQ's layer inputs come from
 * @param gptqClipSearch       QuaRot's --w_clip inside GPTQ's quantizer (the |Δ|^2.4 shrink search per scale)
 * @param gptqActOrder         gptq.py's --act-order: columns in order of decreasing diag H (per-channel scales only)
 */
public record ScalesSettings(boolean enabled, List<WeightMethod> weightMethods, int weightBits, int groupSize,
                             boolean weightClipSearch, int activationBits, int kvBits,
                             boolean staticActivationScales, List<FpFormatName> fpFormats, int fpSearchSteps,
                             int sampleRows, int sequences, GptqInputs gptqInputs, boolean gptqClipSearch,
                             boolean gptqActOrder)
        implements Serializable {

    public ScalesSettings {
        weightMethods = List.copyOf(weightMethods);
        fpFormats = List.copyOf(fpFormats);
    }

    /** A weight quantizer. */
    public enum WeightMethod implements ConfigEnum {
        /** Symmetric INT round-to-nearest with QuaRot's clip search. */
        RTN,
        /** GPTQ with Hessians from the calibration rows (QuaRot's defaults). */
        GPTQ,
        /** NVFP4: E2M1, blocks of 16 with E4M3 scales, fp32 global scale shared by fused linears. */
        NVFP4,
        /** MXFP4: E2M1, blocks of 32 with E8M0 scales. */
        MXFP4,
        /** LLM-FP4: per-linear FP format and exponent-bias search, with the per-layer format choice. */
        LLM_FP4
    }

    /** Where the scales stage's layer inputs come from. */
    public enum GptqInputs implements ConfigEnum {
        /**
         * gptq.py / QuaRot: layer l's inputs come from the rotated model whose layers &lt; l carry their GPTQ weights
         * (float layers when gptq does not run).
         */
        SEQUENTIAL,
        /** Every layer's inputs come from the float rotated model. */
        FLOAT
    }

    /** Whether layer l's inputs come from layers &lt; l with their GPTQ weights. */
    public boolean sequentialGptq() {
        return runs(WeightMethod.GPTQ) && gptqInputs == GptqInputs.SEQUENTIAL;
    }

    /** A 4-bit FP element format of LLM-FP4's search. */
    public enum FpFormatName implements ConfigEnum {
        E3M0, E2M1, E1M2
    }

    public boolean runs(WeightMethod method) {
        return enabled && weightMethods.contains(method);
    }

    /** Whether the linears' input Hessians (XᵀX) are needed: GPTQ. */
    public boolean needsHessians() {
        return runs(WeightMethod.GPTQ);
    }

    /**
     * Whether input-row samples are needed: the LLM-FP4 search, the format choice and the static scales' clip
     * measure the layer-output error on them.
     */
    public boolean needsSamples() {
        return runs(WeightMethod.LLM_FP4) || (enabled && staticActivationScales);
    }

    /** The FP formats as the quantizers name them. */
    public List<FpFormat> formats() {
        return fpFormats.stream().map(f -> switch (f) {
            case E3M0 -> FpFormat.E3M0;
            case E2M1 -> FpFormat.E2M1;
            case E1M2 -> FpFormat.E1M2;
        }).toList();
    }
}
