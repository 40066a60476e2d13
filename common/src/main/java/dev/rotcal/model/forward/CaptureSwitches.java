package dev.rotcal.model.forward;

/**
 * What a decoder layer's forward keeps besides updating the residual stream. A switch that is off costs
 * nothing: the intermediate is neither copied nor retained.
 *
 * @param normRows         input_layernorm and post_attention_layernorm outputs WITHOUT the gain
 *                         (DFRot's calibration rows)
 * @param attentionOutput  the attention output before o_proj (o_proj's input)
 * @param downProjInput    silu(gate(x)) ⊙ up(x), down_proj's input
 * @param keysValues       K after RoPE and V, per KV head
 */
public record CaptureSwitches(boolean normRows, boolean attentionOutput, boolean downProjInput,
                              boolean keysValues) {

    /** Keep nothing: evaluation. */
    public static final CaptureSwitches NONE = new CaptureSwitches(false, false, false, false);
    /** Keep the two norm outputs: DFRot calibration. */
    public static final CaptureSwitches NORM_ROWS = new CaptureSwitches(true, false, false, false);
    /** Keep everything. */
    public static final CaptureSwitches ALL = new CaptureSwitches(true, true, true, true);
}
