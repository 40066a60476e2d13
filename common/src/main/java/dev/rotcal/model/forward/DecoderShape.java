package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.SlidingWindow;

/**
 * The sizes of one LLaMA-family decoder layer.
 *
 * @param hidden        hidden_size d, width of the residual stream
 * @param intermediate  intermediate_size, width of the MLP
 * @param nHeads        num_attention_heads
 * @param nKvHeads      num_key_value_heads (GQA: nHeads is a multiple)
 * @param headDim       head_dim (hidden / nHeads unless the config says otherwise)
 * @param rmsNormEps    rms_norm_eps
 * @param maxSeqLen     the longest sequence the layer runs exactly: rotcal's attention is full causal, so a
 *                      model with a sliding window (mistral, qwen2 with use_sliding_window) is exact only
 *                      up to sliding_window tokens; Integer.MAX_VALUE otherwise
 */
public record DecoderShape(int hidden, int intermediate, int nHeads, int nKvHeads, int headDim,
                           double rmsNormEps, int maxSeqLen) implements java.io.Serializable {

    /** A shape without a sequence-length limit (no sliding window). */
    public DecoderShape(int hidden, int intermediate, int nHeads, int nKvHeads, int headDim, double rmsNormEps) {
        this(hidden, intermediate, nHeads, nKvHeads, headDim, rmsNormEps, Integer.MAX_VALUE);
    }

    /** The decoder-layer sizes of a model. */
    public static DecoderShape of(ModelConfig c) {
        return new DecoderShape(c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.rmsNormEps(),
                c.slidingWindow().map(SlidingWindow::size).orElse(Integer.MAX_VALUE));
    }

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
        checkArgument(maxSeqLen > 0, "Cannot build a decoder layer with a maximum sequence length of %d",
                maxSeqLen);
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
