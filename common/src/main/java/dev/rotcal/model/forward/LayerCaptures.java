package dev.rotcal.model.forward;

/**
 * The intermediates one decoder layer kept for one block of rows; a field is null when its switch in
 * {@link CaptureSwitches} was off.
 *
 * @param attentionInput   (rows, hidden) input_layernorm output without the gain, x / rms(x)
 * @param mlpInput         (rows, hidden) post_attention_layernorm output without the gain
 * @param attentionOutput  (rows, nHeads * headDim) attention output before o_proj, heads side by side
 * @param downProjInput    (rows, intermediate) silu(gate(x)) ⊙ up(x)
 * @param keys             (rows, nKvHeads * headDim) K after RoPE, KV head g in columns
 *                         [g·headDim, (g+1)·headDim)
 * @param values           (rows, nKvHeads * headDim) V, same layout
 */
public record LayerCaptures(float[] attentionInput, float[] mlpInput, float[] attentionOutput,
                            float[] downProjInput, float[] keys, float[] values) {
}
