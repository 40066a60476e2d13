package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TensorLayout;
import dev.rotcal.model.safetensors.Checkpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole model run over one block of sequences while holding at most one decoder layer's weights: the
 * embedding rows of the block's tokens are read (not the table), then for each layer its tensors are read
 * from the checkpoint ({@link LayerWeights#read}), copied to native memory, run over the block and released
 * before the next layer is read. Memory is one layer's projections (native) plus the block and its captures
 * (heap), not the model; {@link ModelForward} over {@link ModelWeights} keeps every layer on the heap and
 * gives the same captures bit for bit. This is what one Spark executor does for its blocks, on one machine.
 *
 * <p>Reads go through the caller's {@link Checkpoint} (local or any filesystem the jobs module provides),
 * which stays open; not thread-safe.
 */
public final class LayerByLayerForward {
    private static final Logger LOG = LoggerFactory.getLogger(LayerByLayerForward.class);

    private final Checkpoint checkpoint;
    private final ModelConfig config;
    private final DecoderLayer layer;

    /** Checks the checkpoint's tensor names, shapes and dtypes against the config (headers only). */
    public LayerByLayerForward(Checkpoint checkpoint, ModelConfig config) {
        CheckpointValidator.validate(config, checkpoint);
        this.checkpoint = checkpoint;
        this.config = config;
        this.layer = new DecoderLayer(DecoderShape.of(config), RotaryEmbedding.of(config));
    }

    public DecoderLayer layer() {
        return layer;
    }

    /**
     * @param tokens  (rows) token ids
     * @return (rows, hidden) row-major, the residual stream before layer 0 (only these rows are read)
     */
    public float[] embed(int[] tokens) {
        for (int r = 0; r < tokens.length; r++) {
            checkArgument(tokens[r] >= 0 && tokens[r] < config.vocabSize(), "Cannot look up token id %d at row %d:"
                    + " the vocabulary of %s has %d tokens (vocab_size)", tokens[r], r, config.source(),
                    config.vocabSize());
        }
        return checkpoint.readRows(config.layout().embedTokens(), tokens);
    }

    /**
     * Runs the embeddings and every decoder layer, one layer's weights at a time.
     *
     * @param tokens    (rows) token ids, rows = sequences × seqLen, sequence after sequence
     * @param observer  called after each layer, while that layer's native weights are still held (they are
     *                  released when it returns)
     * @return (rows, hidden) row-major residual stream after the last layer
     */
    public float[] runLayers(int[] tokens, int seqLen, CaptureSwitches capture, ModelForward.LayerObserver observer) {
        checkArgument(seqLen > 0 && tokens.length % seqLen == 0,
                "Cannot run the model on %d tokens with sequence length %d: need whole sequences",
                tokens.length, seqLen);
        float[] hidden = embed(tokens);
        int[] positions = ModelForward.positions(tokens.length, seqLen);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            long start = System.nanoTime();
            try (NativeLayerWeights w = readLayer(i)) {
                long read = System.nanoTime();
                LayerCaptures captures = layer.forward(hidden, positions, seqLen, w, capture);
                observer.afterLayer(i, hidden, captures);
                LOG.debug("layer {}: read in {} ms, {} rows in {} ms ({} native bytes)", i,
                        (read - start) / 1_000_000, tokens.length, (System.nanoTime() - read) / 1_000_000,
                        w.nativeBytes());
            }
        }
        return hidden;
    }

    /**
     * Reads layer {@code i} and copies its projections to native memory; the heap copies of the
     * projections are garbage once this returns (only the norm gains and biases stay on the heap).
     */
    private NativeLayerWeights readLayer(int i) {
        return NativeLayerWeights.copyOf(LayerWeights.read(checkpoint, config, i), layer.shape());
    }

    /**
     * Reads model.norm and lm_head (embed_tokens when tied) into an output head; lm_head goes to native
     * memory, so close the head when done.
     */
    public OutputHead readOutputHead() {
        TensorLayout layout = config.layout();
        float[] lmHead = checkpoint.readFloats(config.tieWordEmbeddings() ? layout.embedTokens() : layout.lmHead());
        return new OutputHead(checkpoint.readFloats(layout.finalNorm()), lmHead, config.vocabSize(),
                config.rmsNormEps());
    }
}
