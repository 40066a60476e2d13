package dev.rotcal.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.model.LayerTensor;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.ModelFamily;
import dev.rotcal.model.TensorLayout;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the demo model: a Hugging Face folder with config.json (model_type llama), model.safetensors
 * (BF16), tokenizer.json, tokenizer_config.json, special_tokens_map.json and rotcal_demo.json (where the
 * mechanism is). The same spec writes byte-identical files. What the weights do is in package-info.java.
 */
public final class DemoModel {
    public static final String CONFIG_JSON = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER_JSON = DemoTokenizerFiles.TOKENIZER_JSON;
    public static final String MECHANISM_JSON = "rotcal_demo.json";
    /** Every file {@link #write} writes, in the folder it is given. */
    public static final List<String> FILES = List.of(CONFIG_JSON, WEIGHTS, TOKENIZER_JSON,
            DemoTokenizerFiles.TOKENIZER_CONFIG_JSON, DemoTokenizerFiles.SPECIAL_TOKENS_MAP_JSON, MECHANISM_JSON);

    private static final Logger LOG = LoggerFactory.getLogger(DemoModel.class);
    private static final TensorLayout LAYOUT = ModelFamily.LLAMA.layout();

    private DemoModel() {
    }

    /** Writes the demo model into {@code dir} (created if missing; existing files are replaced). */
    public static DemoMechanism write(Path dir, DemoModelSpec spec) {
        long start = System.nanoTime();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the demo model folder " + dir + ": " + e, e);
        }
        DemoMechanism mechanism = DemoMechanism.of(spec);
        DemoVocabulary vocabulary = DemoVocabulary.create(spec.vocabSize(), spec.seed());
        SafetensorsWriter.write(dir.resolve(WEIGHTS), Map.of("format", "pt"), tensors(spec, mechanism));
        DemoJson.write(dir.resolve(CONFIG_JSON), config(spec));
        DemoTokenizerFiles.write(dir, vocabulary, spec.maxPositionEmbeddings());
        DemoJson.write(dir.resolve(MECHANISM_JSON), mechanism.toJson());
        LOG.info("Wrote the demo model ({} layers, hidden {}, vocab {}, planted layer {}) to {} in {} ms",
                spec.numLayers(), spec.hiddenSize(), spec.vocabSize(), spec.plantedLayer(), dir,
                (System.nanoTime() - start) / 1_000_000);
        return mechanism;
    }

    /** Every weight of the model, F32 values that the writer rounds to BF16. */
    static List<Tensor> tensors(DemoModelSpec spec, DemoMechanism mechanism) {
        int d = spec.hiddenSize();
        ModelConfig config = ModelConfig.parse("the demo model spec",
                config(spec).toString().getBytes(StandardCharsets.UTF_8));
        DemoChannels ch = mechanism.channels();
        DemoEmbedding embedding = DemoEmbedding.of(d, spec.seed());
        int[] codes = TokenCodes.draw(spec.vocabSize(), spec.seed());
        List<Tensor> tensors = new ArrayList<>();
        float[] embed = DemoHead.bf16(embedding.table(ch, codes, DemoVocabulary.DELIMITER_ID, spec.seed()));
        tensors.add(bf16(LAYOUT.embedTokens(), embed, spec.vocabSize(), d));
        List<LayerWeights> written = new ArrayList<>();
        CircuitShape circuit = CircuitShape.of(spec);
        for (int layer = 0; layer < spec.numLayers(); layer++) {
            DemoLayerWeights w = DemoLayerWeights.background(spec, ch, layer);
            if (layer == 0) {
                PositionZeroCircuit.plant(w, circuit, ch, mechanism.neurons(), embedding.rowRms());
            }
            if (layer == spec.plantedLayer()) {
                MassiveNeurons.plant(w, circuit, ch, mechanism.neurons(), embedding.rowRms());
            }
            Map<String, float[]> byName = new HashMap<>();
            for (Map.Entry<LayerTensor, float[]> e : w.byRole().entrySet()) {
                List<Long> shape = e.getKey().shape(config);
                String name = LAYOUT.layerTensorName(layer, e.getKey());
                float[] values = DemoHead.bf16(e.getValue());
                byName.put(name, values);
                tensors.add(Tensor.ofFloats(name, SafetensorsDtype.BF16, shape, values));
            }
            written.add(LayerWeights.fromTensors(byName, config, layer));
        }
        float[] finalNorm = DemoHead.bf16(DemoLayerWeights.gains(spec.seed(), "final_norm", d));
        tensors.add(bf16(LAYOUT.finalNorm(), finalNorm, d));
        float[] head = DemoHead.fit(config, DemoVocabulary.create(spec.vocabSize(), spec.seed()), spec.seed(), embed,
                written, finalNorm);
        tensors.add(bf16(LAYOUT.lmHead(), head, spec.vocabSize(), d));
        return tensors;
    }

    private static Tensor bf16(String name, float[] values, int... shape) {
        return Tensor.ofFloats(name, SafetensorsDtype.BF16, Arrays.stream(shape).mapToObj(x -> (long) x)
                .toList(), values);
    }

    /** config.json, as transformers writes it for LlamaForCausalLM. */
    static ObjectNode config(DemoModelSpec spec) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", spec.hiddenSize());
        c.put("intermediate_size", spec.intermediateSize());
        c.put("num_hidden_layers", spec.numLayers());
        c.put("num_attention_heads", spec.numHeads());
        c.put("num_key_value_heads", spec.numKvHeads());
        c.put("head_dim", spec.headDim());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", spec.maxPositionEmbeddings());
        c.put("rms_norm_eps", spec.rmsNormEps());
        c.put("rope_theta", spec.ropeTheta());
        c.putNull("rope_scaling");
        c.put("vocab_size", spec.vocabSize());
        c.put("tie_word_embeddings", false);
        c.put("attention_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("mlp_bias", false);
        c.put("initializer_range", DemoMagnitudes.WEIGHT_STD);
        c.put("pretraining_tp", 1);
        c.put("use_cache", true);
        c.put("bos_token_id", DemoVocabulary.BOS_ID);
        c.put("eos_token_id", DemoVocabulary.EOS_ID);
        c.put("torch_dtype", "bfloat16");
        return c;
    }
}
