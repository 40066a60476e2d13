package dev.rotcal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each bad config.json fails with one line naming the file, the key and the value. */
class ModelConfigErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Arguments bad(String what, Consumer<ObjectNode> edit, String expected) {
        return Arguments.of(what, edit, expected);
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                bad("unsupported family", c -> c.put("model_type", "gemma"),
                        "model_type gemma is not supported (supported: llama, mistral, qwen2)"),
                bad("no model_type", c -> c.remove("model_type"), "required key model_type is missing"),
                bad("yarn rope scaling", c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4),
                        "rope_scaling type yarn is not supported (supported: llama3, or no rope scaling)"),
                bad("dynamic rope scaling (old 'type' key)", c -> c.putObject("rope_scaling").put("type", "dynamic"),
                        "rope_scaling type dynamic is not supported (supported: llama3, or no rope scaling)"),
                bad("llama3 scaling without factor", c -> ((ObjectNode) c.get("rope_scaling")).remove("factor"),
                        "required key rope_scaling.factor is missing"),
                bad("llama3 scaling with high <= low", c -> ((ObjectNode) c.get("rope_scaling"))
                        .put("high_freq_factor", 1.0), "rope_scaling.high_freq_factor 1.0 must be > low_freq_factor 1.0"),
                bad("rope_scaling not an object", c -> c.put("rope_scaling", "llama3"),
                        "rope_scaling is a JSON STRING, expected an object or null"),
                bad("hidden not divisible by heads", c -> c.put("hidden_size", 4100),
                        "hidden_size 4100 is not divisible by num_attention_heads 32 and head_dim is not given"),
                bad("heads not divisible by kv heads", c -> c.put("num_key_value_heads", 5),
                        "num_attention_heads 32 is not divisible by num_key_value_heads 5"),
                bad("zero hidden size", c -> c.put("hidden_size", 0), "hidden_size 0 must be > 0"),
                bad("negative intermediate size", c -> c.put("intermediate_size", -14336),
                        "intermediate_size -14336 must be > 0"),
                bad("zero layers", c -> c.put("num_hidden_layers", 0), "num_hidden_layers 0 must be > 0"),
                bad("missing vocab_size", c -> c.remove("vocab_size"), "required key vocab_size is missing"),
                bad("missing intermediate_size", c -> c.remove("intermediate_size"),
                        "required key intermediate_size is missing"),
                bad("size as a string", c -> c.put("hidden_size", "4096"),
                        "hidden_size is \"4096\", expected an integer"),
                bad("fractional size", c -> c.put("num_hidden_layers", 31.5),
                        "num_hidden_layers is 31.5, expected an integer"),
                bad("odd head_dim", c -> c.put("head_dim", 127), "head_dim 127 is odd"),
                bad("negative eps", c -> c.put("rms_norm_eps", -1e-5), "rms_norm_eps -1.0E-5 must be a positive number"),
                bad("zero rope_theta", c -> c.put("rope_theta", 0), "rope_theta 0.0 must be a positive number"),
                bad("gelu MLP", c -> c.put("hidden_act", "gelu"),
                        "hidden_act gelu is not supported (rotcal's MLP is SwiGLU with silu)"),
                bad("attention biases on llama", c -> c.put("attention_bias", true),
                        "attention_bias true is not supported for model_type llama"),
                bad("tie flag not a boolean", c -> c.put("tie_word_embeddings", "yes"),
                        "tie_word_embeddings is \"yes\", expected true or false"),
                bad("mistral zero window", c -> c.put("model_type", "mistral").put("sliding_window", 0),
                        "sliding_window 0 must be > 0 (or null for none)"),
                bad("layer_types disagreeing with the window", c -> {
                    c.put("model_type", "mistral").put("sliding_window", 4096).put("num_hidden_layers", 2);
                    c.putArray("layer_types").add("full_attention").add("sliding_attention");
                }, "layer_types[0] is \"full_attention\" but the sliding-window keys imply sliding_attention"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void failsWithOneLineNamingTheFileAndKey(String what, Consumer<ObjectNode> edit, String expected)
            throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(ModelConfigTest.LLAMA31_8B_INSTRUCT);
        edit.accept(config);
        Path file = tmp.resolve("config.json");
        Files.writeString(file, JSON.writeValueAsString(config));
        assertThatThrownBy(() -> ModelConfig.read(file)).as(what)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).as("one line starting with Cannot").startsWith("Cannot ")
                        .doesNotContain("\n"));
    }

    @Test
    void invalidJsonAndMissingFile() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "{\"model_type\": \"llama\",, }");
        assertThatThrownBy(() -> ModelConfig.read(file)).as("not JSON")
                .hasMessageStartingWith("Cannot read model config " + file + ": not valid JSON: Unexpected character")
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
        Files.writeString(file, "[]");
        assertThatThrownBy(() -> ModelConfig.read(file)).as("an array")
                .hasMessage("Cannot read model config " + file + ": it is a JSON ARRAY, expected an object");
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThatThrownBy(() -> ModelConfig.read(new dev.rotcal.model.safetensors.LocalCheckpointDirectory(empty)))
                .as("no config.json next to the weights")
                .hasMessage("Cannot read model config " + empty.resolve("config.json") + ": the file does not exist"
                        + " (a Hugging Face checkpoint directory has one next to the weights)");
    }
}
