package dev.rotcal.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.model.safetensors.LocalCheckpointDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json of the fixtures and of public models (values as published on the Hugging Face hub). */
class ModelConfigTest {
    static final String LLAMA31_8B_INSTRUCT = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
             "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
             "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1,
             "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
             "transformers_version": "4.42.3", "use_cache": true, "vocab_size": 128256}
            """;
    static final String LLAMA2_7B = """
            {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008,
             "max_position_embeddings": 4096, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 32, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
             "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.31.0.dev0",
             "use_cache": true, "vocab_size": 32000}
            """;
    static final String MISTRAL_7B_V01 = """
            {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
             "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
             "sliding_window": 4096, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
             "transformers_version": "4.34.0.dev0", "use_cache": true, "vocab_size": 32000}
            """;
    static final String QWEN2_7B_INSTRUCT = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 3584, "initializer_range": 0.02,
             "intermediate_size": 18944, "max_position_embeddings": 32768, "max_window_layers": 28,
             "model_type": "qwen2", "num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 131072,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.41.2",
             "use_cache": true, "use_sliding_window": false, "vocab_size": 152064}
            """;

    @TempDir
    Path tmp;

    private ModelConfig parse(String json) throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, json);
        return ModelConfig.read(file);
    }

    @Test
    void tinyLlama3Fixture() {
        ModelConfig c = ModelConfig.read(new LocalCheckpointDirectory(TestFixtures.dir(TestFixtures.TINY_LLAMA3)));
        assertThat(c.family()).as("model_type llama").isEqualTo(ModelFamily.LLAMA);
        assertThat(List.of(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings()))
                .as("sizes; head_dim = 64 / 4").containsExactly(64, 160, 2, 4, 2, 16, 128, 256);
        assertThat(c.rmsNormEps()).as("rms_norm_eps").isEqualTo(1e-5);
        assertThat(c.ropeTheta()).as("rope_theta").isEqualTo(500000.0);
        assertThat(c.ropeScaling()).as("llama3 rope scaling with original 16")
                .contains(new Llama3RopeScaling(8.0, 1.0, 4.0, 16));
        assertThat(c.tieWordEmbeddings()).as("separate lm_head").isFalse();
        assertThat(c.torchDtype()).as("torch_dtype").contains("bfloat16");
        assertThat(c.slidingWindow()).as("llama has no sliding window").isEmpty();
        assertThat(c.bosTokenId()).as("no bos in the fixture").isEmpty();
        assertThat(c.eosTokenIds()).as("no eos in the fixture").isEmpty();
        assertThat(c.queriesPerKvHead()).as("GQA 4/2").isEqualTo(2);
    }

    @Test
    void tinyQwen2Fixture() {
        ModelConfig c = ModelConfig.read(TestFixtures.dir(TestFixtures.TINY_QWEN2).resolve("config.json"));
        assertThat(c.family()).as("model_type qwen2").isEqualTo(ModelFamily.QWEN2);
        assertThat(List.of(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings()))
                .as("sizes; head_dim = 48 / 4").containsExactly(48, 112, 2, 4, 2, 12, 96, 256);
        assertThat(c.rmsNormEps()).as("rms_norm_eps").isEqualTo(1e-6);
        assertThat(c.ropeTheta()).as("rope_theta").isEqualTo(1e6);
        assertThat(c.ropeScaling()).as("no rope scaling").isEmpty();
        assertThat(c.tieWordEmbeddings()).as("tied embeddings").isTrue();
        assertThat(c.slidingWindow()).as("use_sliding_window false").isEmpty();
        assertThat(c.torchDtype()).as("torch_dtype").contains("float16");
        assertThat(c.family().hasQkvBias()).as("qwen2 has q/k/v biases").isTrue();
    }

    @Test
    void llama31_8b() throws IOException {
        ModelConfig c = parse(LLAMA31_8B_INSTRUCT);
        assertThat(List.of(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings()))
                .as("LLaMA-3.1-8B sizes").containsExactly(4096, 14336, 32, 32, 8, 128, 128256, 131072);
        assertThat(c.ropeScaling()).as("llama3 scaling").contains(new Llama3RopeScaling(8, 1, 4, 8192));
        assertThat(c.ropeTheta()).as("rope_theta").isEqualTo(500000.0);
        assertThat(c.bosTokenId()).as("bos").isEqualTo(OptionalInt.of(128000));
        assertThat(c.eosTokenIds()).as("the instruct model lists three eos ids").containsExactly(128001, 128008,
                128009);
        assertThat(List.of(c.queryDim(), c.kvDim())).as("q and kv widths").containsExactly(4096, 1024);
        Map<String, List<Long>> shapes = c.layout().expectedShapes(c);
        assertThat(shapes).as("291 tensors: embed, 32 × 9, norm, lm_head").hasSize(291)
                .containsEntry("model.layers.31.self_attn.k_proj.weight", List.of(1024L, 4096L))
                .containsEntry("model.layers.0.mlp.down_proj.weight", List.of(4096L, 14336L))
                .containsEntry("lm_head.weight", List.of(128256L, 4096L));
    }

    @Test
    void llama2_7bUsesTransformersDefaults() throws IOException {
        ModelConfig c = parse(LLAMA2_7B);
        assertThat(c.numKeyValueHeads()).as("num_key_value_heads defaults to the head count (MHA)").isEqualTo(32);
        assertThat(c.ropeTheta()).as("rope_theta defaults to 10000").isEqualTo(10000.0);
        assertThat(c.ropeScaling()).as("rope_scaling null").isEmpty();
        assertThat(List.of(c.intermediateSize(), c.vocabSize(), c.maxPositionEmbeddings()))
                .as("LLaMA-2-7B sizes").containsExactly(11008, 32000, 4096);
        assertThat(c.eosTokenIds()).as("a single eos id").containsExactly(2);
        assertThat(c.torchDtype()).as("fp16 release").contains("float16");
    }

    @Test
    void mistral7bRecordsItsSlidingWindow() throws IOException {
        ModelConfig c = parse(MISTRAL_7B_V01);
        assertThat(c.family()).as("model_type mistral").isEqualTo(ModelFamily.MISTRAL);
        assertThat(c.slidingWindow()).as("v0.1 attends through a 4096 window on every layer")
                .contains(new SlidingWindow(4096, 0));
        assertThat(List.of(c.numKeyValueHeads(), c.intermediateSize(), c.vocabSize()))
                .as("Mistral-7B sizes").containsExactly(8, 14336, 32000);
        assertThat(parse(MISTRAL_7B_V01.replace("\"sliding_window\": 4096", "\"sliding_window\": null"))
                .slidingWindow()).as("v0.2+ turn it off with null").isEmpty();
        assertThat(parse(MISTRAL_7B_V01.replace("\"sliding_window\": 4096,", "")).slidingWindow())
                .as("absent means transformers' default 4096").contains(new SlidingWindow(4096, 0));
    }

    @Test
    void qwen2_7bHasBiasesAndNoWindowUnlessAskedFor() throws IOException {
        ModelConfig c = parse(QWEN2_7B_INSTRUCT);
        assertThat(List.of(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize()))
                .as("Qwen2-7B sizes").containsExactly(3584, 18944, 28, 28, 4, 128, 152064);
        assertThat(c.slidingWindow()).as("sliding_window is ignored while use_sliding_window is false").isEmpty();
        Map<String, List<Long>> shapes = c.layout().expectedShapes(c);
        assertThat(shapes).as("339 tensors: embed, 28 × 12, norm, lm_head").hasSize(339)
                .containsEntry("model.layers.5.self_attn.k_proj.bias", List.of(512L))
                .containsEntry("model.layers.5.self_attn.q_proj.weight", List.of(3584L, 3584L));
        ModelConfig windowed = parse(QWEN2_7B_INSTRUCT.replace("\"use_sliding_window\": false",
                "\"use_sliding_window\": true").replace("\"max_window_layers\": 28", "\"max_window_layers\": 20"));
        assertThat(windowed.slidingWindow()).as("on from max_window_layers")
                .contains(new SlidingWindow(131072, 20));
        assertThat(windowed.slidingWindow().get().appliesTo(19)).as("layer 19 attends fully").isFalse();
        assertThat(windowed.slidingWindow().get().appliesTo(20)).as("layer 20 uses the window").isTrue();
    }

    @Test
    void acceptsTransformersV5RopeParametersAndExplicitHeadDim() throws IOException {
        String v5 = LLAMA31_8B_INSTRUCT.replace("\"rope_scaling\"", "\"rope_parameters\"")
                .replace("\"rope_type\": \"llama3\"}", "\"rope_type\": \"llama3\", \"rope_theta\": 500000.0}")
                .replace("\"rope_theta\": 500000.0, \"tie", "\"head_dim\": 64, \"tie")
                .replace("\"torch_dtype\"", "\"dtype\"");
        ModelConfig c = parse(v5);
        assertThat(c.ropeTheta()).as("rope_theta inside rope_parameters").isEqualTo(500000.0);
        assertThat(c.ropeScaling()).as("llama3 inside rope_parameters").isPresent();
        assertThat(c.headDim()).as("head_dim given explicitly wins over hidden / heads").isEqualTo(64);
        assertThat(c.queryDim()).as("q_proj rows = heads · head_dim, not hidden").isEqualTo(2048);
        assertThat(c.torchDtype()).as("v5 calls it dtype").isEqualTo(Optional.of("bfloat16"));
    }
}
