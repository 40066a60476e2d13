package dev.rotcal.model;

import static dev.rotcal.Checks.checkArgument;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a family keeps its weights in a Hugging Face state dict: the global tensors' names and, per decoder
 * layer, the name of each {@link LayerTensor} it has, so no code needs an {@code if model_type == …} chain.
 *
 * @param layerPrefixFormat  {@link String#format} pattern of a layer's name prefix, e.g. "model.layers.%d."
 * @param layerTensors       the layer tensors the family has → name after the prefix
 */
public record TensorLayout(String embedTokens, String finalNorm, String lmHead, String layerPrefixFormat,
                           Map<LayerTensor, String> layerTensors) {

    public TensorLayout {
        layerTensors = Collections.unmodifiableMap(new EnumMap<>(layerTensors));
    }

    /** The LLaMA-style layout shared by llama, mistral and qwen2; qwen2 adds q/k/v biases. */
    static TensorLayout huggingFaceDecoder(boolean qkvBias) {
        Map<LayerTensor, String> names = new EnumMap<>(LayerTensor.class);
        names.put(LayerTensor.INPUT_NORM, "input_layernorm.weight");
        names.put(LayerTensor.Q_PROJ, "self_attn.q_proj.weight");
        names.put(LayerTensor.K_PROJ, "self_attn.k_proj.weight");
        names.put(LayerTensor.V_PROJ, "self_attn.v_proj.weight");
        names.put(LayerTensor.O_PROJ, "self_attn.o_proj.weight");
        names.put(LayerTensor.POST_ATTENTION_NORM, "post_attention_layernorm.weight");
        names.put(LayerTensor.GATE_PROJ, "mlp.gate_proj.weight");
        names.put(LayerTensor.UP_PROJ, "mlp.up_proj.weight");
        names.put(LayerTensor.DOWN_PROJ, "mlp.down_proj.weight");
        if (qkvBias) {
            names.put(LayerTensor.Q_BIAS, "self_attn.q_proj.bias");
            names.put(LayerTensor.K_BIAS, "self_attn.k_proj.bias");
            names.put(LayerTensor.V_BIAS, "self_attn.v_proj.bias");
        }
        return new TensorLayout("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                "model.layers.%d.", names);
    }

    /** The prefix of layer {@code layer}'s tensor names, e.g. "model.layers.3." (for a prefix read). */
    public String layerPrefix(int layer) {
        return String.format(layerPrefixFormat, layer);
    }

    /** True when the family has tensor {@code t} in every layer (e.g. Q_BIAS only for qwen2). */
    public boolean has(LayerTensor t) {
        return layerTensors.containsKey(t);
    }

    /** The full name of tensor {@code t} of layer {@code layer}, e.g. "model.layers.3.self_attn.k_proj.weight". */
    public String layerTensorName(int layer, LayerTensor t) {
        checkArgument(has(t), "Cannot name tensor %s of layer %d: this family has no such tensor (it has %s)", t,
                layer, layerTensors.keySet());
        return layerPrefix(layer) + layerTensors.get(t);
    }

    /** Name → shape of every tensor of layer {@code layer}, in {@link LayerTensor} order. */
    public Map<String, List<Long>> expectedLayerShapes(ModelConfig config, int layer) {
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        layerTensors.keySet().forEach(t -> shapes.put(layerTensorName(layer, t), t.shape(config)));
        return shapes;
    }

    /** Name → shape of every tensor the config implies: embedding, all layers, final norm, lm_head unless tied. */
    public Map<String, List<Long>> expectedShapes(ModelConfig config) {
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        shapes.put(embedTokens, LayerTensor.shape(config.vocabSize(), config.hiddenSize()));
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            shapes.putAll(expectedLayerShapes(config, layer));
        }
        shapes.put(finalNorm, LayerTensor.shape(config.hiddenSize()));
        if (!config.tieWordEmbeddings()) {
            shapes.put(lmHead, LayerTensor.shape(config.vocabSize(), config.hiddenSize()));
        }
        return shapes;
    }
}
