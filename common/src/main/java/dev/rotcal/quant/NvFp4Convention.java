package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * How an NVFP4 artifact stores the fp32 per-tensor (global) scale; the E4M3 block scales mean the same in
 * both. With s_g = amax_tensor / (6 · 448) (ModelOpt's weight_scale_2), x̂ = E2M1 · s_b · s_g.
 */
public enum NvFp4Convention {
    /** NVIDIA ModelOpt: stores s_g = amax / (6 · 448) as {@code weight_scale_2}; x̂ = E2M1 · s_b · s_g. */
    MODELOPT("weight_scale_2"),
    /**
     * compressed-tensors (vLLM / llm-compressor): stores g = 6 · 448 / amax = 1 / s_g as
     * {@code weight_global_scale}; x̂ = E2M1 · s_b / g.
     */
    COMPRESSED_TENSORS("weight_global_scale");

    private final String weightTensorSuffix;

    NvFp4Convention(String weightTensorSuffix) {
        this.weightTensorSuffix = weightTensorSuffix;
    }

    /** Name of the global-scale tensor of a weight in this convention ({@code <module>.<suffix>}). */
    public String weightTensorSuffix() {
        return weightTensorSuffix;
    }

    /** The value this convention stores for a ModelOpt global scale s_g: s_g itself or 1 / s_g. */
    public float fromModelOpt(float modelOptScale) {
        checkScale(modelOptScale);
        return this == MODELOPT ? modelOptScale : 1f / modelOptScale;
    }

    /** The ModelOpt global scale s_g of a value stored in this convention. */
    public float toModelOpt(float stored) {
        checkScale(stored);
        return this == MODELOPT ? stored : 1f / stored;
    }

    private void checkScale(float scale) {
        checkArgument(scale > 0f && Float.isFinite(scale),
                "Cannot convert NVFP4 global scale %s (%s): must be finite and > 0", scale, this);
    }
}
