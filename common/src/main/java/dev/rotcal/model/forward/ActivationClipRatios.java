package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * Clip ratios of the per-token activation quantizers, one per site of a decoder layer (the artifact
 * carries them; DFRot sweeps 0.6 … 1.0, QuaRot's paper uses 0.9).
 *
 * @param attentionInput  the input of q/k/v (input_layernorm output with gain)
 * @param mlpInput        the input of gate/up (post_attention_layernorm output with gain)
 * @param oProjInput      the attention output, o_proj's input
 * @param downProjInput   silu(gate) ⊙ up, down_proj's input (after R4 when rotated)
 */
public record ActivationClipRatios(float attentionInput, float mlpInput, float oProjInput, float downProjInput) {

    public ActivationClipRatios {
        check("attention input", attentionInput);
        check("MLP input", mlpInput);
        check("o_proj input", oProjInput);
        check("down_proj input", downProjInput);
    }

    /** The same ratio at every site. */
    public static ActivationClipRatios uniform(float ratio) {
        return new ActivationClipRatios(ratio, ratio, ratio, ratio);
    }

    private static void check(String site, float ratio) {
        checkArgument(ratio > 0f && ratio <= 1f,
                "Cannot use activation clip ratio %s for the %s: must be in (0, 1]", ratio, site);
    }
}
