package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * The tensors of one decoder layer as float32, in HF's layout (nn.Linear weights are [out, in]).
 *
 * @param inputNorm          (hidden) input_layernorm.weight
 * @param wq                 (nHeads * headDim, hidden) self_attn.q_proj.weight
 * @param bq                 (nHeads * headDim) self_attn.q_proj.bias, or null (LLaMA, Mistral)
 * @param wk                 (nKvHeads * headDim, hidden) self_attn.k_proj.weight
 * @param bk                 (nKvHeads * headDim) self_attn.k_proj.bias, or null
 * @param wv                 (nKvHeads * headDim, hidden) self_attn.v_proj.weight
 * @param bv                 (nKvHeads * headDim) self_attn.v_proj.bias, or null
 * @param wo                 (hidden, nHeads * headDim) self_attn.o_proj.weight
 * @param postAttentionNorm  (hidden) post_attention_layernorm.weight
 * @param wGate              (intermediate, hidden) mlp.gate_proj.weight
 * @param wUp                (intermediate, hidden) mlp.up_proj.weight
 * @param wDown              (hidden, intermediate) mlp.down_proj.weight
 */
public record LayerWeights(float[] inputNorm,
                           float[] wq, float[] bq,
                           float[] wk, float[] bk,
                           float[] wv, float[] bv,
                           float[] wo,
                           float[] postAttentionNorm,
                           float[] wGate, float[] wUp, float[] wDown) {

    /** Checks every tensor's size against the layer shape; throws naming the first tensor that differs. */
    public void checkFits(DecoderShape s) {
        long d = s.hidden();
        checkSize("input_layernorm.weight", inputNorm, d);
        checkSize("q_proj.weight", wq, s.qWidth() * d);
        checkSize("k_proj.weight", wk, s.kvWidth() * d);
        checkSize("v_proj.weight", wv, s.kvWidth() * d);
        checkSize("o_proj.weight", wo, d * s.qWidth());
        checkSize("post_attention_layernorm.weight", postAttentionNorm, d);
        checkSize("gate_proj.weight", wGate, (long) s.intermediate() * d);
        checkSize("up_proj.weight", wUp, (long) s.intermediate() * d);
        checkSize("down_proj.weight", wDown, d * s.intermediate());
        checkOptionalSize("q_proj.bias", bq, s.qWidth());
        checkOptionalSize("k_proj.bias", bk, s.kvWidth());
        checkOptionalSize("v_proj.bias", bv, s.kvWidth());
    }

    private static void checkSize(String name, float[] tensor, long expected) {
        checkArgument(tensor != null, "Cannot use layer weights: %s is missing", name);
        checkArgument(tensor.length == expected,
                "Cannot use layer weights: %s has %d values, the layer shape needs %d (check the config)",
                name, tensor.length, expected);
    }

    private static void checkOptionalSize(String name, float[] tensor, long expected) {
        if (tensor != null) {
            checkSize(name, tensor, expected);
        }
    }
}
