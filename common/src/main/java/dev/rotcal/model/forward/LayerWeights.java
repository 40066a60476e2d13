package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.LayerTensor;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TensorLayout;
import dev.rotcal.model.safetensors.Checkpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

    /**
     * Picks layer {@code layer}'s tensors out of a name → values map by the family's tensor names
     * ({@link TensorLayout}); biases are read only for families that have them (qwen2).
     *
     * @param tensors  full HF names ("model.layers.3.self_attn.q_proj.weight") → values, row-major
     */
    public static LayerWeights fromTensors(Map<String, float[]> tensors, ModelConfig config, int layer) {
        checkArgument(layer >= 0 && layer < config.numHiddenLayers(),
                "Cannot pick the weights of layer %d: %s has %d layers (num_hidden_layers)", layer,
                config.source(), config.numHiddenLayers());
        TensorLayout layout = config.layout();
        Function<LayerTensor, float[]> get = t -> pick(tensors, layout, layer, t);
        Function<LayerTensor, float[]> bias = t -> layout.has(t) ? get.apply(t) : null;   // qwen2 only
        LayerWeights w = new LayerWeights(get.apply(LayerTensor.INPUT_NORM),
                get.apply(LayerTensor.Q_PROJ), bias.apply(LayerTensor.Q_BIAS),
                get.apply(LayerTensor.K_PROJ), bias.apply(LayerTensor.K_BIAS),
                get.apply(LayerTensor.V_PROJ), bias.apply(LayerTensor.V_BIAS),
                get.apply(LayerTensor.O_PROJ),
                get.apply(LayerTensor.POST_ATTENTION_NORM),
                get.apply(LayerTensor.GATE_PROJ), get.apply(LayerTensor.UP_PROJ), get.apply(LayerTensor.DOWN_PROJ));
        w.checkFits(DecoderShape.of(config));
        return w;
    }

    /** Reads layer {@code layer}'s tensors (and only those) from a checkpoint, as float32. */
    public static LayerWeights read(Checkpoint checkpoint, ModelConfig config, int layer) {
        TensorLayout layout = config.layout();
        List<String> names = new ArrayList<>();
        for (LayerTensor t : LayerTensor.values()) {
            if (layout.has(t)) {
                names.add(layout.layerTensorName(layer, t));
            }
        }
        Map<String, float[]> tensors = new HashMap<>();
        checkpoint.read(names).forEach((name, tensor) -> tensors.put(name, tensor.floats()));
        return fromTensors(tensors, config, layer);
    }

    private static float[] pick(Map<String, float[]> tensors, TensorLayout layout, int layer, LayerTensor t) {
        String name = layout.layerTensorName(layer, t);
        float[] values = tensors.get(name);
        checkArgument(values != null, "Cannot pick the weights of layer %d: tensor %s is missing", layer, name);
        return values;
    }

    /** The values of tensor {@code t} (a bias is null when the layer has none). */
    public float[] tensor(LayerTensor t) {
        return switch (t) {
            case INPUT_NORM -> inputNorm;
            case Q_PROJ -> wq;
            case Q_BIAS -> bq;
            case K_PROJ -> wk;
            case K_BIAS -> bk;
            case V_PROJ -> wv;
            case V_BIAS -> bv;
            case O_PROJ -> wo;
            case POST_ATTENTION_NORM -> postAttentionNorm;
            case GATE_PROJ -> wGate;
            case UP_PROJ -> wUp;
            case DOWN_PROJ -> wDown;
        };
    }

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
