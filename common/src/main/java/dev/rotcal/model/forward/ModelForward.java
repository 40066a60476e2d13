package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.ModelConfig;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole LLaMA-family causal LM on one machine: embeddings → decoder layers → final norm → logits or
 * next-token NLL, over a block of equal-length token sequences. Used by tests and by evaluation; the
 * Spark capture stage instead drives {@link #layer()} itself, one layer at a time over persisted blocks.
 * Holds lm_head in native memory: close it when done.
 *
 * <p>A rotated model ({@code dev.rotcal.model.rotate.ModelRotation#rotateModel}: gains folded to 1, untied
 * lm_head) runs here unchanged, with its online rotations (and any fake quantization) as per-layer
 * {@link LayerHooks}.
 */
public final class ModelForward implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelForward.class);

    /** Sees the residual stream after every layer, and what the layer kept. */
    @FunctionalInterface
    public interface LayerObserver {
        /**
         * @param layer     index of the layer that just ran
         * @param residual  (rows, hidden) the residual stream after it; the next layer overwrites it, so
         *                  copy what must outlive this call
         * @param captures  what the layer kept (fields null where the switch is off)
         */
        void afterLayer(int layer, float[] residual, LayerCaptures captures);
    }

    private final DecoderLayer layer;
    private final ModelWeights weights;
    private final OutputHead head;
    private final IntFunction<LayerHooks> hooks;   // layer index → that layer's hooks

    public ModelForward(DecoderShape shape, RotaryEmbedding rope, ModelWeights weights) {
        this(shape, rope, weights, l -> LayerHooks.NONE);
    }

    /**
     * @param hooks  layer index → the hooks that layer runs with (never null; {@link LayerHooks#NONE} for none)
     */
    public ModelForward(DecoderShape shape, RotaryEmbedding rope, ModelWeights weights,
                        IntFunction<LayerHooks> hooks) {
        checkArgument(hooks != null, "Cannot build a model forward with null hooks (use l -> LayerHooks.NONE)");
        weights.checkFits(shape);
        this.layer = new DecoderLayer(shape, rope);
        this.weights = weights;
        this.hooks = hooks;
        this.head = new OutputHead(weights.finalNorm(), weights.lmHead(), weights.vocab(), shape.rmsNormEps());
    }

    /** The forward of a model described by its config.json. */
    public static ModelForward of(ModelConfig config, ModelWeights weights) {
        return new ModelForward(DecoderShape.of(config), RotaryEmbedding.of(config), weights);
    }

    /** The forward of a model described by its config.json, every layer running with {@code hooks}. */
    public static ModelForward of(ModelConfig config, ModelWeights weights, LayerHooks hooks) {
        checkArgument(hooks != null, "Cannot build a model forward with null hooks (use LayerHooks.NONE)");
        return new ModelForward(DecoderShape.of(config), RotaryEmbedding.of(config), weights, l -> hooks);
    }

    public DecoderLayer layer() {
        return layer;
    }

    public OutputHead head() {
        return head;
    }

    /**
     * @param tokens  (rows) token ids
     * @return (rows, hidden) row-major, the residual stream before layer 0
     */
    public float[] embed(int[] tokens) {
        return TokenEmbedding.lookup(tokens, weights.embedTokens(), weights.vocab(), layer.shape().hidden());
    }

    /**
     * Runs the embeddings and every decoder layer.
     *
     * @param tokens  (rows) token ids, rows = sequences × seqLen, sequence after sequence
     * @return (rows, hidden) row-major residual stream after the last layer
     */
    public float[] runLayers(int[] tokens, int seqLen, CaptureSwitches capture, LayerObserver observer) {
        checkArgument(seqLen > 0 && tokens.length % seqLen == 0,
                "Cannot run the model on %d tokens with sequence length %d: need whole sequences",
                tokens.length, seqLen);
        float[] hidden = embed(tokens);
        int[] positions = positions(tokens.length, seqLen);
        for (int i = 0; i < weights.layers().size(); i++) {
            long start = System.nanoTime();
            LayerCaptures captures;
            try (NativeLayerWeights w = NativeLayerWeights.copyOf(weights.layers().get(i), layer.shape())) {
                captures = layer.forward(hidden, positions, seqLen, w, capture, hooks.apply(i));
            }
            observer.afterLayer(i, hidden, captures);
            LOG.debug("layer {}: {} rows in {} ms", i, tokens.length, (System.nanoTime() - start) / 1_000_000);
        }
        return hidden;
    }

    /**
     * @param tokens  (rows) token ids, rows = sequences × seqLen
     * @return (rows, vocab) row-major logits
     */
    public float[] logits(int[] tokens, int seqLen) {
        float[] hidden = runLayers(tokens, seqLen, CaptureSwitches.NONE, (l, h, c) -> { });
        return head.logits(hidden, tokens.length);
    }

    /**
     * @param tokens  (rows) token ids, rows = sequences × seqLen
     * @return (sequences, seqLen − 1) row-major next-token NLL
     */
    public double[] nextTokenNll(int[] tokens, int seqLen) {
        float[] hidden = runLayers(tokens, seqLen, CaptureSwitches.NONE, (l, h, c) -> { });
        return head.nextTokenNll(hidden, tokens, seqLen);
    }

    /** (rows) position ids 0..seqLen−1 repeated for every sequence of the block. */
    public static int[] positions(int rows, int seqLen) {
        checkArgument(seqLen > 0 && rows % seqLen == 0,
                "Cannot number the positions of %d rows with sequence length %d: need whole sequences", rows,
                seqLen);
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) {
            positions[r] = r % seqLen;
        }
        return positions;
    }

    @Override
    public void close() {
        head.close();
    }
}
