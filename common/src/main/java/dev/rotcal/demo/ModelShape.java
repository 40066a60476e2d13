package dev.rotcal.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.model.ModelFamily;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The real models whose shapes {@code rotcal demo-model --shape} writes: each one's config.json as published
 * on the Hugging Face hub (every key rotcal or transformers reads, with the real values), with only
 * num_hidden_layers changed. The weights ({@link ShapedModel}) are rotcal's own: random background plus the
 * planted massive-activation mechanism at the real width.
 * <ul>
 *   <li>llama3-8b / llama3-70b: Llama-3.1-8B / -70B (the Llama-3 widths with the llama3 rope_scaling: factor 8,
 *       low/high_freq_factor 1/4, original_max_position_embeddings 8192, 131,072 positions; Llama-3-8B itself
 *       has no rope_scaling and 8,192 positions), rope_theta 500,000, rms_norm_eps 1e-5, untied;</li>
 *   <li>llama2-7b: Llama-2-7b-hf, MHA (32 KV heads), rope_theta 10,000, rms_norm_eps 1e-5 (the current
 *       config.json; an early upload said 1e-6), 4,096 positions;</li>
 *   <li>mistral-7b: Mistral-7B-v0.1, GQA 32/8, sliding_window 4096, 32,768 positions;</li>
 *   <li>qwen2-7b: Qwen2-7B (base), hidden 3,584, GQA 28/4, q/k/v biases (implied by model_type qwen2),
 *       rope_theta 1e6, rms_norm_eps 1e-6, 131,072 positions, use_sliding_window false.</li>
 * </ul>
 * torch_dtype is bfloat16 for all, as the weights are written (Llama-2-7b-hf's own file says float16).
 */
public enum ModelShape {
    LLAMA3_8B("llama3-8b", "meta-llama/Llama-3.1-8B", ModelFamily.LLAMA, "LlamaForCausalLM",
            new ShapeWidths(4096, 14336, 32, 8, 128, 128256), 32, 198),
    LLAMA3_70B("llama3-70b", "meta-llama/Llama-3.1-70B", ModelFamily.LLAMA, "LlamaForCausalLM",
            new ShapeWidths(8192, 28672, 64, 8, 128, 128256), 80, 198),
    LLAMA2_7B("llama2-7b", "meta-llama/Llama-2-7b-hf", ModelFamily.LLAMA, "LlamaForCausalLM",
            new ShapeWidths(4096, 11008, 32, 32, 128, 32000), 32, 13),
    MISTRAL_7B("mistral-7b", "mistralai/Mistral-7B-v0.1", ModelFamily.MISTRAL, "MistralForCausalLM",
            new ShapeWidths(4096, 14336, 32, 8, 128, 32000), 32, 13),
    QWEN2_7B("qwen2-7b", "Qwen/Qwen2-7B", ModelFamily.QWEN2, "Qwen2ForCausalLM",
            new ShapeWidths(3584, 18944, 28, 4, 128, 152064), 28, 198);

    private final String cliName;
    private final String hubId;
    private final ModelFamily family;
    private final String architecture;
    private final ShapeWidths widths;
    private final int realLayers;
    private final int newlineTokenId;

    ModelShape(String cliName, String hubId, ModelFamily family, String architecture, ShapeWidths widths,
               int realLayers, int newlineTokenId) {
        this.cliName = cliName;
        this.hubId = hubId;
        this.family = family;
        this.architecture = architecture;
        this.widths = widths;
        this.realLayers = realLayers;
        this.newlineTokenId = newlineTokenId;
    }

    /** The name on the command line, e.g. "llama3-8b". */
    public String cliName() {
        return cliName;
    }

    /** The hub model whose config.json this is, e.g. "meta-llama/Llama-3.1-8B". */
    public String hubId() {
        return hubId;
    }

    public ModelFamily family() {
        return family;
    }

    /** The real widths. */
    public ShapeWidths widths() {
        return widths;
    }

    /** The real model's num_hidden_layers: the most a shaped model may have. */
    public int realLayers() {
        return realLayers;
    }

    /**
     * The real tokenizer's id of "\n" (LLaMA-3 and Qwen2: 198 "Ċ"; LLaMA-2 and Mistral: 13 "&lt;0x0A&gt;"): the
     * delimiter of the shaped model's token files.
     */
    public int newlineTokenId() {
        return newlineTokenId;
    }

    /** The shape called {@code name} on the command line. */
    public static Optional<ModelShape> fromCliName(String name) {
        return Arrays.stream(values()).filter(s -> s.cliName.equals(name)).findFirst();
    }

    /** "llama3-8b, llama3-70b, …", for messages. */
    public static String cliNames() {
        return Arrays.stream(values()).map(ModelShape::cliName).collect(Collectors.joining(", "));
    }

    /**
     * config.json for {@code layers} decoder layers of widths {@code w} (the real widths unless a test narrows
     * them), keys sorted as transformers writes them.
     */
    ObjectNode config(ShapeWidths w, int layers) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add(architecture);
        if (family != ModelFamily.MISTRAL) {
            if (family == ModelFamily.LLAMA) {
                c.put("attention_bias", false);
            }
            c.put("attention_dropout", 0.0);
        }
        switch (this) {
            case LLAMA3_8B, LLAMA3_70B -> c.put("bos_token_id", 128000).put("eos_token_id", 128001);
            case LLAMA2_7B, MISTRAL_7B -> c.put("bos_token_id", 1).put("eos_token_id", 2);
            case QWEN2_7B -> c.put("bos_token_id", 151643).put("eos_token_id", 151643);
            default -> throw new IllegalStateException("[BUG] " + this);
        }
        if (w.headDim() * w.heads() != w.hidden()) {
            c.put("head_dim", w.headDim());
        }
        c.put("hidden_act", "silu");
        c.put("hidden_size", w.hidden());
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", w.intermediate());
        c.put("max_position_embeddings", maxPositionEmbeddings());
        if (this == QWEN2_7B) {
            c.put("max_window_layers", 28);
        }
        if (family == ModelFamily.LLAMA) {
            c.put("mlp_bias", false);
        }
        c.put("model_type", family.modelType());
        c.put("num_attention_heads", w.heads());
        c.put("num_hidden_layers", layers);
        c.put("num_key_value_heads", w.kvHeads());
        if (family == ModelFamily.LLAMA) {
            c.put("pretraining_tp", 1);
        }
        c.put("rms_norm_eps", this == QWEN2_7B ? 1e-6 : 1e-5);
        if (this == LLAMA3_8B || this == LLAMA3_70B) {
            c.putObject("rope_scaling").put("factor", 8.0).put("high_freq_factor", 4.0).put("low_freq_factor", 1.0)
                    .put("original_max_position_embeddings", 8192).put("rope_type", "llama3");
        } else if (this == LLAMA2_7B) {
            c.putNull("rope_scaling");
        }
        c.put("rope_theta", switch (this) {
            case LLAMA3_8B, LLAMA3_70B -> 500000.0;
            case QWEN2_7B -> 1000000.0;
            default -> 10000.0;
        });
        if (this == MISTRAL_7B) {
            c.put("sliding_window", 4096);
        } else if (this == QWEN2_7B) {
            c.put("sliding_window", 131072);
        }
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "bfloat16");
        c.put("use_cache", true);
        if (this == QWEN2_7B) {
            c.put("use_sliding_window", false);
        }
        c.put("vocab_size", w.vocab());
        return c;
    }

    private int maxPositionEmbeddings() {
        return switch (this) {
            case LLAMA3_8B, LLAMA3_70B, QWEN2_7B -> 131072;
            case LLAMA2_7B -> 4096;
            case MISTRAL_7B -> 32768;
        };
    }
}
