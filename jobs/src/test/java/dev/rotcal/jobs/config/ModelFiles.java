package dev.rotcal.jobs.config;

import dev.rotcal.artifact.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the files preflight looks at (config.json, weights, tokens, a manifest) through any Storage. */
final class ModelFiles {
    private ModelFiles() {
    }

    /** A LLaMA config.json; hidden 100 (heads 5, head_dim 20) has no Hadamard matrix, 64 (heads 4) has. */
    static String configJson(int hidden) {
        return configJson(hidden, 160);
    }

    /** As {@link #configJson(int)} with another intermediate size (144 = 36·4: a Hadamard, but not 32-aligned). */
    static String configJson(int hidden, int intermediate) {
        int heads = hidden % 8 == 0 ? 4 : 5; // head_dim must be even: 64 / 4 = 16, 100 / 5 = 20
        return """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "num_hidden_layers": 2, "num_attention_heads": %d, "num_key_value_heads": 1,
                 "intermediate_size": %d, "vocab_size": 128, "rms_norm_eps": 1e-05,
                 "max_position_embeddings": 4096, "tie_word_embeddings": false}
                """.formatted(hidden, heads, intermediate);
    }

    /** config.json (hidden size {@code hidden}) and a placeholder model.safetensors under {@code modelUri}. */
    static void writeModel(Storage storage, String modelUri, int hidden) throws IOException {
        write(storage, modelUri + "/config.json", configJson(hidden));
        write(storage, modelUri + "/model.safetensors", "weights are not read by preflight");
    }

    static void write(Storage storage, String uri, String text) throws IOException {
        try (OutputStream out = storage.create(uri, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
