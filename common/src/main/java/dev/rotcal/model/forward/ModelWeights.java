package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TensorLayout;
import dev.rotcal.model.safetensors.Checkpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * All tensors of a LLaMA-family causal LM as float32, for a single-machine forward.
 *
 * @param vocab        vocab_size
 * @param embedTokens  (vocab, hidden) model.embed_tokens.weight
 * @param layers       one entry per decoder layer, in order
 * @param finalNorm    (hidden) model.norm.weight
 * @param lmHead       (vocab, hidden) lm_head.weight; the same array as embedTokens when tied
 */
public record ModelWeights(int vocab, float[] embedTokens, List<LayerWeights> layers, float[] finalNorm,
                           float[] lmHead) {

    public ModelWeights {
        layers = List.copyOf(layers);
    }

    /**
     * Reads every tensor of the model from a checkpoint as float32 (all layers in memory: for tests,
     * tiny models and evaluation on one machine). Tied embeddings share one array with lm_head.
     */
    public static ModelWeights read(Checkpoint checkpoint, ModelConfig config) {
        TensorLayout layout = config.layout();
        List<LayerWeights> layers = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(LayerWeights.read(checkpoint, config, i));
        }
        float[] embed = checkpoint.readFloats(layout.embedTokens());
        float[] lmHead = config.tieWordEmbeddings() ? embed : checkpoint.readFloats(layout.lmHead());
        ModelWeights weights = new ModelWeights(config.vocabSize(), embed, layers,
                checkpoint.readFloats(layout.finalNorm()), lmHead);
        weights.checkFits(DecoderShape.of(config));
        return weights;
    }

    /** Checks every tensor's size against the layer shape and the vocabulary. */
    public void checkFits(DecoderShape shape) {
        long table = Math.multiplyExact((long) vocab, shape.hidden());
        checkArgument(embedTokens.length == table,
                "Cannot use model weights: embed_tokens has %d values, expected (%d, %d)", embedTokens.length,
                vocab, shape.hidden());
        checkArgument(lmHead.length == table,
                "Cannot use model weights: lm_head has %d values, expected (%d, %d)", lmHead.length, vocab,
                shape.hidden());
        checkArgument(finalNorm.length == shape.hidden(),
                "Cannot use model weights: model.norm has %d values, expected %d", finalNorm.length,
                shape.hidden());
        for (LayerWeights layer : layers) {
            layer.checkFits(shape);
        }
    }
}
