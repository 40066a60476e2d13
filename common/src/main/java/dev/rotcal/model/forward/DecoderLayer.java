package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * One LLaMA-family decoder layer over a block of token sequences:
 * <pre>
 *   h += o_proj(attention(rope(q(n1)), rope(k(n1)), v(n1)))   n1 = input_layernorm(h)
 *   h += down(silu(gate(n2)) ⊙ up(n2))                        n2 = post_attention_layernorm(h)
 * </pre>
 * Rows are the tokens of consecutive sequences of one length; attention never crosses sequences. The
 * residual stream h is updated in place, so a caller (the Spark capture stage, {@link ModelForward}) owns
 * the layer loop and can persist h between layers. Stateless apart from its shape and rotary table:
 * one instance serves every layer of a model.
 *
 * <p>{@link LayerHooks} add run-time transforms at fixed places (online Hadamards of a rotated model, fake
 * quantization of activations and of the KV cache); the overloads without hooks run {@link LayerHooks#NONE}.
 */
public final class DecoderLayer {
    private final DecoderShape shape;
    private final RotaryEmbedding rope;

    public DecoderLayer(DecoderShape shape, RotaryEmbedding rope) {
        checkArgument(rope.headDim() == shape.headDim(),
                "Cannot build a decoder layer: rotary embeddings are for head_dim %d, the layer has %d",
                rope.headDim(), shape.headDim());
        this.shape = shape;
        this.rope = rope;
    }

    public DecoderShape shape() {
        return shape;
    }

    /**
     * Runs the layer on a block and updates the residual stream in place. Copies the layer's projections
     * to native memory for this call; to run one layer over many blocks, copy once with
     * {@link NativeLayerWeights#copyOf} and call {@link #forward(float[], int[], int, NativeLayerWeights,
     * CaptureSwitches)}.
     *
     * @param hidden     (rows, hidden) row-major residual stream, rows = sequences × seqLen; updated
     * @param positions  (rows) position id of each row for RoPE (usually 0..seqLen−1 per sequence)
     * @param seqLen     tokens per sequence; the causal mask restarts every seqLen rows
     * @param w          this layer's tensors
     * @param capture    which intermediates to keep
     * @return the kept intermediates (fields null where the switch is off)
     */
    public LayerCaptures forward(float[] hidden, int[] positions, int seqLen, LayerWeights w,
                                 CaptureSwitches capture) {
        return forward(hidden, positions, seqLen, w, capture, LayerHooks.NONE);
    }

    /**
     * As {@link #forward(float[], int[], int, LayerWeights, CaptureSwitches)}, with run-time hooks.
     */
    public LayerCaptures forward(float[] hidden, int[] positions, int seqLen, LayerWeights w,
                                 CaptureSwitches capture, LayerHooks hooks) {
        try (NativeLayerWeights nw = NativeLayerWeights.copyOf(w, shape)) {
            return forward(hidden, positions, seqLen, nw, capture, hooks);
        }
    }

    /**
     * As {@link #forward(float[], int[], int, LayerWeights, CaptureSwitches)}, with the layer's
     * projections already in native memory.
     */
    public LayerCaptures forward(float[] hidden, int[] positions, int seqLen, NativeLayerWeights w,
                                 CaptureSwitches capture) {
        return forward(hidden, positions, seqLen, w, capture, LayerHooks.NONE);
    }

    /**
     * As {@link #forward(float[], int[], int, NativeLayerWeights, CaptureSwitches)}, with run-time hooks
     * called at the places {@link LayerHooks} lists; captured k, v, attention output and down_proj input
     * hold the values after the hooks.
     */
    public LayerCaptures forward(float[] hidden, int[] positions, int seqLen, NativeLayerWeights w,
                                 CaptureSwitches capture, LayerHooks hooks) {
        checkArgument(hooks != null, "Cannot run a decoder layer with null hooks (use LayerHooks.NONE)");
        int d = shape.hidden();
        checkArgument(w.shape().equals(shape),
                "Cannot run a decoder layer of shape %s with weights of shape %s", shape, w.shape());
        checkArgument(hidden.length % d == 0,
                "Cannot run a decoder layer: the block holds %d floats, not a whole number of rows of %d",
                hidden.length, d);
        int rows = hidden.length / d;
        checkArgument(seqLen <= shape.maxSeqLen(),
                "Cannot run a decoder layer on sequences of %d tokens: the model has a sliding window of %d "
                        + "and rotcal's attention is full causal (use calibration sequences of at most %d)",
                seqLen, shape.maxSeqLen(), shape.maxSeqLen());
        checkArgument(positions.length == rows,
                "Cannot run a decoder layer on %d rows with %d positions: need one position per row", rows,
                positions.length);

        // attention block
        float[] attnIn = new float[hidden.length];                 // (rows, hidden) x / rms(x)
        float[] attnRms = capture.normRows() ? new float[rows] : null; // (rows) rms(x)
        RmsNorm.normalize(hidden, attnIn, rows, d, shape.rmsNormEps(), attnRms);
        float[] x = gained(attnIn, rows, w.inputNorm, capture.normRows());
        hooks.attentionInput(x, rows);
        float[] q = Gemm.linear(x, rows, w.wq, w.bq);                 // (rows, nHeads·hd)
        float[] k = Gemm.linear(x, rows, w.wk, w.bk);                 // (rows, nKv·hd)
        float[] v = Gemm.linear(x, rows, w.wv, w.bv);                 // (rows, nKv·hd)
        rope.apply(q, rows, shape.nHeads(), positions);
        rope.apply(k, rows, shape.nKvHeads(), positions);
        hooks.queriesKeys(q, k, rows);
        hooks.keysValues(k, v, rows);
        float[] attn = CausalAttention.forward(q, k, v, rows, seqLen, shape.nHeads(), shape.nKvHeads(),
                shape.headDim());                                     // (rows, nHeads·hd)
        hooks.oProjInput(attn, rows);
        addInPlace(hidden, Gemm.linear(attn, rows, w.wo, null));

        // MLP block
        float[] mlpIn = new float[hidden.length];                  // (rows, hidden) x / rms(x)
        float[] mlpRms = capture.normRows() ? new float[rows] : null;  // (rows) rms(x)
        RmsNorm.normalize(hidden, mlpIn, rows, d, shape.rmsNormEps(), mlpRms);
        x = gained(mlpIn, rows, w.postAttentionNorm, capture.normRows());
        hooks.mlpInput(x, rows);
        float[] act = Gemm.linear(x, rows, w.wGate, null);            // (rows, intermediate)
        float[] up = Gemm.linear(x, rows, w.wUp, null);               // (rows, intermediate)
        SwiGlu.gateInPlace(act, up);
        hooks.downProjInput(act, rows);
        addInPlace(hidden, Gemm.linear(act, rows, w.wDown, null));

        // k, v, attn and act are not written after this point, so captures share them without copying
        return new LayerCaptures(
                capture.normRows() ? attnIn : null,
                capture.normRows() ? mlpIn : null,
                attnRms,
                mlpRms,
                capture.attentionOutput() ? attn : null,
                capture.downProjInput() ? act : null,
                capture.keysValues() ? k : null,
                capture.keysValues() ? v : null);
    }

    /** The norm output with its gain: a new block when the gain-free rows are kept, else in place. */
    private static float[] gained(float[] normed, int rows, float[] gain, boolean keepNormed) {
        float[] x = keepNormed ? normed.clone() : normed;
        RmsNorm.applyGain(x, rows, gain);
        return x;
    }

    /** h += delta, both (rows, hidden). */
    private static void addInPlace(float[] h, float[] delta) {
        for (int i = 0; i < h.length; i++) {
            h[i] += delta[i];
        }
    }
}
