package dev.rotcal.model;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * config.json → {@link ModelConfig}: reads the keys rotcal needs (unknown keys are ignored), applies
 * transformers' defaults, and rejects what rotcal cannot run, each with one line naming the file, the key
 * and the value. Cross-field checks (divisibility, positivity) are in ModelConfig's constructor.
 */
final class ModelConfigParser {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final int DEFAULT_SLIDING_WINDOW = 4096;
    private static final int DEFAULT_QWEN2_MAX_WINDOW_LAYERS = 28;

    private final String source;
    private final JsonNode root;

    private ModelConfigParser(String source, JsonNode root) {
        this.source = source;
        this.root = root;
    }

    static ModelConfig parse(String source, byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage().replaceAll("\\s+", " ").trim();
            throw new IllegalArgumentException(String.format("Cannot read model config %s: not valid JSON: %s",
                    source, message), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read model config " + source + ": " + e, e);
        }
        checkArgument(root != null && root.isObject(), "Cannot read model config %s: it is a JSON %s, expected an"
                + " object", source, root == null ? "nothing" : root.getNodeType());
        return new ModelConfigParser(source, root).modelConfig();
    }

    private ModelConfig modelConfig() {
        String modelType = requiredText("model_type");
        ModelFamily family = ModelFamily.fromModelType(modelType).orElseThrow(() -> fail("model_type %s is not"
                + " supported (supported: %s)", modelType, ModelFamily.supportedModelTypes()));
        checkUnsupportedFeatures(family);
        int hidden = requiredInt("hidden_size");
        int heads = requiredInt("num_attention_heads");
        int layers = requiredInt("num_hidden_layers");
        int headDim;
        if (isAbsent("head_dim")) {
            checkArgument(heads <= 0 || hidden % heads == 0, "Cannot read model config %s: hidden_size %d is not"
                    + " divisible by num_attention_heads %d and head_dim is not given", source, hidden, heads);
            headDim = heads > 0 ? hidden / heads : 0;
        } else {
            headDim = requiredInt("head_dim");
        }
        double ropeTheta = ropeTheta();
        return new ModelConfig(source, family, hidden, requiredInt("intermediate_size"), layers, heads,
                isAbsent("num_key_value_heads") ? heads : requiredInt("num_key_value_heads"), headDim,
                optionalDouble("rms_norm_eps", 1e-6), ropeTheta, ropeScaling(),
                requiredInt("vocab_size"), optionalBoolean("tie_word_embeddings", false),
                isAbsent("max_position_embeddings") ? family.defaultMaxPositionEmbeddings()
                        : requiredInt("max_position_embeddings"),
                slidingWindow(family, layers), torchDtype(), bosTokenId(), eosTokenIds());
    }

    /** Architecture switches that change the forward pass in ways rotcal does not implement. */
    private void checkUnsupportedFeatures(ModelFamily family) {
        String act = isAbsent("hidden_act") ? "silu" : requiredText("hidden_act");
        checkArgument(act.equals("silu"), "Cannot read model config %s: hidden_act %s is not supported (rotcal's"
                + " MLP is SwiGLU with silu)", source, act);
        if (!family.hasQkvBias()) {
            for (String key : List.of("attention_bias", "mlp_bias")) {
                checkArgument(!optionalBoolean(key, false), "Cannot read model config %s: %s true is not supported"
                        + " for model_type %s (rotcal's %s layers have no biases)", source, key, family.modelType(),
                        family.modelType());
            }
        }
    }

    /** rope_theta, or transformers v5's rope_parameters.rope_theta; default 10000. */
    private double ropeTheta() {
        JsonNode params = root.get("rope_parameters");
        if (isAbsent("rope_theta") && params != null && params.isObject() && params.has("rope_theta")) {
            return number(params.get("rope_theta"), "rope_parameters.rope_theta");
        }
        return optionalDouble("rope_theta", 10000.0);
    }

    /** rope_scaling (or v5's rope_parameters): none, "default", or llama3. */
    private Optional<Llama3RopeScaling> ropeScaling() {
        String key = isAbsent("rope_scaling") && !isAbsent("rope_parameters") ? "rope_parameters" : "rope_scaling";
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        checkArgument(node.isObject(), "Cannot read model config %s: %s is a JSON %s, expected an object or null",
                source, key, node.getNodeType());
        JsonNode typeNode = node.has("rope_type") ? node.get("rope_type") : node.get("type");
        checkArgument(typeNode != null && typeNode.isTextual(), "Cannot read model config %s: %s has no rope_type"
                + " (or type) string", source, key);
        String type = typeNode.textValue();
        if (type.equals("default")) {
            return Optional.empty();
        }
        checkArgument(type.equals("llama3"), "Cannot read model config %s: %s type %s is not supported"
                + " (supported: llama3, or no rope scaling)", source, key, type);
        double factor = number(node.get("factor"), key + ".factor");
        double low = number(node.get("low_freq_factor"), key + ".low_freq_factor");
        double high = number(node.get("high_freq_factor"), key + ".high_freq_factor");
        JsonNode original = node.get("original_max_position_embeddings");
        int originalMax = integer(original, key + ".original_max_position_embeddings");
        Optional<String> problem = Llama3RopeScaling.problem(factor, low, high, originalMax);
        checkArgument(problem.isEmpty(), "Cannot read model config %s: %s", source, problem.orElse(""));
        return Optional.of(new Llama3RopeScaling(factor, low, high, originalMax));
    }

    /** The family's sliding-window keys → the window, if on; an explicit layer_types must agree. */
    private Optional<SlidingWindow> slidingWindow(ModelFamily family, int layers) {
        Optional<SlidingWindow> window = switch (family.slidingWindowKeys()) {
            case NONE -> Optional.empty();
            case MISTRAL -> windowOf(0);
            case QWEN2 -> optionalBoolean("use_sliding_window", false)
                    ? windowOf(isAbsent("max_window_layers") ? DEFAULT_QWEN2_MAX_WINDOW_LAYERS
                    : nonNegativeInt("max_window_layers"))
                    : Optional.empty();
        };
        JsonNode types = root.get("layer_types");
        if (types != null && !types.isNull()) {
            checkArgument(types.isArray() && types.size() == layers, "Cannot read model config %s: layer_types must"
                    + " list one attention type per layer (%d), got %s", source, layers, types);
            for (int layer = 0; layer < layers; layer++) {
                String expected = window.isPresent() && window.get().appliesTo(layer) ? "sliding_attention"
                        : "full_attention";
                checkArgument(expected.equals(types.get(layer).asText()), "Cannot read model config %s: layer_types"
                        + "[%d] is %s but the sliding-window keys imply %s (rotcal supports a window on all layers"
                        + " from one layer on)", source, layer, types.get(layer), expected);
            }
        }
        return window;
    }

    /** sliding_window (default 4096; null turns it off) starting at {@code firstLayer}. */
    private Optional<SlidingWindow> windowOf(int firstLayer) {
        if (!root.has("sliding_window")) {
            return Optional.of(new SlidingWindow(DEFAULT_SLIDING_WINDOW, firstLayer));
        }
        if (root.get("sliding_window").isNull()) {
            return Optional.empty();
        }
        int size = requiredInt("sliding_window");
        checkArgument(size > 0, "Cannot read model config %s: sliding_window %d must be > 0 (or null for none)",
                source, size);
        return Optional.of(new SlidingWindow(size, firstLayer));
    }

    private Optional<String> torchDtype() {
        for (String key : List.of("torch_dtype", "dtype")) {
            if (!isAbsent(key)) {
                return Optional.of(requiredText(key));
            }
        }
        return Optional.empty();
    }

    private OptionalInt bosTokenId() {
        return isAbsent("bos_token_id") ? OptionalInt.empty() : OptionalInt.of(nonNegativeInt("bos_token_id"));
    }

    private List<Integer> eosTokenIds() {
        JsonNode node = root.get("eos_token_id");
        List<Integer> ids = new ArrayList<>();
        if (node == null || node.isNull()) {
            return ids;
        }
        if (node.isArray()) {
            for (JsonNode id : node) {
                ids.add(nonNegative(integer(id, "eos_token_id"), "eos_token_id"));
            }
        } else {
            ids.add(nonNegativeInt("eos_token_id"));
        }
        return ids;
    }

    private boolean isAbsent(String key) {
        return !root.has(key) || root.get(key).isNull();
    }

    private String requiredText(String key) {
        JsonNode node = root.get(key);
        checkArgument(node != null && !node.isNull(), "Cannot read model config %s: required key %s is missing",
                source, key);
        checkArgument(node.isTextual(), "Cannot read model config %s: %s is %s, expected a string", source, key,
                node);
        return node.textValue();
    }

    private int requiredInt(String key) {
        JsonNode node = root.get(key);
        checkArgument(node != null && !node.isNull(), "Cannot read model config %s: required key %s is missing",
                source, key);
        return integer(node, key);
    }

    private int nonNegativeInt(String key) {
        return nonNegative(requiredInt(key), key);
    }

    private int nonNegative(int value, String key) {
        checkArgument(value >= 0, "Cannot read model config %s: %s %d must be >= 0", source, key, value);
        return value;
    }

    private int integer(JsonNode node, String key) {
        checkArgument(node != null && !node.isNull(), "Cannot read model config %s: required key %s is missing",
                source, key);
        checkArgument(node.isIntegralNumber() && node.canConvertToInt(), "Cannot read model config %s: %s is %s,"
                + " expected an integer", source, key, node);
        return node.intValue();
    }

    private double number(JsonNode node, String key) {
        checkArgument(node != null && !node.isNull(), "Cannot read model config %s: required key %s is missing",
                source, key);
        checkArgument(node.isNumber(), "Cannot read model config %s: %s is %s, expected a number", source, key, node);
        return node.doubleValue();
    }

    private double optionalDouble(String key, double defaultValue) {
        return isAbsent(key) ? defaultValue : number(root.get(key), key);
    }

    private boolean optionalBoolean(String key, boolean defaultValue) {
        if (isAbsent(key)) {
            return defaultValue;
        }
        JsonNode node = root.get(key);
        checkArgument(node.isBoolean(), "Cannot read model config %s: %s is %s, expected true or false", source,
                key, node);
        return node.booleanValue();
    }

    private IllegalArgumentException fail(String format, Object... args) {
        return new IllegalArgumentException("Cannot read model config " + source + ": " + String.format(format, args));
    }
}
