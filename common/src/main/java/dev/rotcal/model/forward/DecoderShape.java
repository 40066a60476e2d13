package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * The sizes of one LLaMA-family decoder layer.
 *
 * @param hidden        hidden_size d, width of the residual stream
 * @param intermediate  intermediate_size, width of the MLP
 * @param nHeads        num_attention_heads
 * @param nKvHeads      num_key_value_heads (GQA: nHeads is a multiple)
 * @param headDim       head_dim (hidden / nHeads unless the config says otherwise)
 * @param rmsNormEps    rms_norm_eps
 */
public record DecoderShape(int hidden, int intermediate, int nHeads, int nKvHeads, int headDim,
                           double rmsNormEps) {

    public DecoderShape {
        checkArgument(hidden > 0 && intermediate > 0 && headDim > 0,
                "Cannot build a decoder layer with hidden %d, intermediate %d, head_dim %d: sizes must be > 0",
                hidden, intermediate, headDim);
        checkArgument(nHeads > 0 && nKvHeads > 0 && nHeads % nKvHeads == 0,
                "Cannot build a decoder layer with %d attention heads and %d KV heads: "
                        + "num_attention_heads must be a multiple of num_key_value_heads", nHeads, nKvHeads);
        checkArgument(headDim % 2 == 0, "Cannot build a decoder layer with head_dim %d: RoPE needs it even",
                headDim);
        checkArgument(rmsNormEps >= 0, "Cannot build a decoder layer with rms_norm_eps %s: must be >= 0",
                rmsNormEps);
    }

    /** Width of the queries and of o_proj's input: nHeads × headDim. */
    public int qWidth() {
        return Math.multiplyExact(nHeads, headDim);
    }

    /** Width of the keys and values: nKvHeads × headDim. */
    public int kvWidth() {
        return Math.multiplyExact(nKvHeads, headDim);
    }
}
