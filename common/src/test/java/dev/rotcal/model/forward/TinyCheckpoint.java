package dev.rotcal.model.forward;

import dev.rotcal.model.safetensors.BFloat16;
import dev.rotcal.model.safetensors.Float16;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A tiny seeded Hugging Face checkpoint written from a test: config.json and model.safetensors. The values
 * are drawn in float, rounded to the file's dtype here, and kept in {@link #tensors}, so a reference forward
 * can use exactly the stored numbers without going through the reader.
 */
final class TinyCheckpoint {

    /**
     * @param llama3  rope_scaling {factor, low_freq_factor, high_freq_factor, original_max_position_embeddings},
     *                or null for plain RoPE
     */
    record Spec(String modelType, int hidden, int intermediate, int layers, int heads, int kvHeads, int headDim,
                int vocab, double ropeTheta, double[] llama3, double eps, boolean tied, boolean qkvBias,
                SafetensorsDtype dtype, long seed) {

        int qWidth() {
            return heads * headDim;
        }

        int kvWidth() {
            return kvHeads * headDim;
        }
    }

    /**
     * LLaMA-3.1-like: GQA 4 query heads on 2 KV heads, an explicit head_dim 10 (so q width 40 ≠ hidden 32),
     * llama3 rope_scaling whose three bands all hold a rotary pair (wavelengths 6.3 | 39.7 | 250, 1578, 9952
     * against original / high = 16 and original / low = 64), separate lm_head, BF16.
     */
    static Spec llama3Gqa() {
        return new Spec("llama", 32, 48, 2, 4, 2, 10, 50, 10000, new double[] {8, 1, 4, 64}, 1e-5, false, false,
                SafetensorsDtype.BF16, 301);
    }

    /** Qwen2-like: q/k/v biases, tied embeddings, 4 query heads on one KV head (MQA), plain RoPE, F16. */
    static Spec qwen2Tied() {
        return new Spec("qwen2", 24, 40, 2, 4, 1, 6, 37, 1e6, null, 1e-6, true, true, SafetensorsDtype.F16, 302);
    }

    final Spec spec;
    final Map<String, float[]> tensors; // full HF name → values as stored in the file, row-major

    private TinyCheckpoint(Spec spec, Map<String, float[]> tensors) {
        this.spec = spec;
        this.tensors = tensors;
    }

    /**
     * Seeded weights: linears N(0, 1/in), gains 1 + N(0, 0.1²), biases N(0, 0.1²), an embedding of N(0, 1)
     * with channel 3 at 20× (an outlier channel, as real models have).
     */
    static TinyCheckpoint create(Spec s) {
        Random rng = new Random(s.seed());
        Map<String, float[]> t = new TreeMap<>();
        int d = s.hidden();
        float[] embed = gaussian(rng, s.vocab() * d, 1);           // (vocab, hidden)
        for (int v = 0; v < s.vocab(); v++) {
            embed[v * d + 3] *= 20;
        }
        t.put("model.embed_tokens.weight", embed);
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            t.put(p + "input_layernorm.weight", gains(rng, d));
            t.put(p + "self_attn.q_proj.weight", gaussian(rng, s.qWidth() * d, 1 / Math.sqrt(d)));
            t.put(p + "self_attn.k_proj.weight", gaussian(rng, s.kvWidth() * d, 1 / Math.sqrt(d)));
            t.put(p + "self_attn.v_proj.weight", gaussian(rng, s.kvWidth() * d, 1 / Math.sqrt(d)));
            if (s.qkvBias()) {
                t.put(p + "self_attn.q_proj.bias", gaussian(rng, s.qWidth(), 0.1));
                t.put(p + "self_attn.k_proj.bias", gaussian(rng, s.kvWidth(), 0.1));
                t.put(p + "self_attn.v_proj.bias", gaussian(rng, s.kvWidth(), 0.1));
            }
            t.put(p + "self_attn.o_proj.weight", gaussian(rng, d * s.qWidth(), 1 / Math.sqrt(s.qWidth())));
            t.put(p + "post_attention_layernorm.weight", gains(rng, d));
            t.put(p + "mlp.gate_proj.weight", gaussian(rng, s.intermediate() * d, 1 / Math.sqrt(d)));
            t.put(p + "mlp.up_proj.weight", gaussian(rng, s.intermediate() * d, 1 / Math.sqrt(d)));
            t.put(p + "mlp.down_proj.weight", gaussian(rng, d * s.intermediate(), 1 / Math.sqrt(s.intermediate())));
        }
        t.put("model.norm.weight", gains(rng, d));
        if (!s.tied()) {
            t.put("lm_head.weight", gaussian(rng, s.vocab() * d, 1 / Math.sqrt(d)));
        }
        t.values().forEach(values -> roundToDtype(values, s.dtype()));
        return new TinyCheckpoint(s, t);
    }

    /** The HF shape of a tensor ([out, in] for a linear), from its name. */
    private List<Long> shapeOf(String name) {
        Spec s = spec;
        long d = s.hidden();
        if (name.endsWith("norm.weight")) {
            return List.of(d);
        }
        if (name.endsWith(".bias")) {
            return List.of((long) tensors.get(name).length);
        }
        if (name.endsWith("o_proj.weight")) {
            return List.of(d, (long) s.qWidth());
        }
        if (name.endsWith("down_proj.weight")) {
            return List.of(d, (long) s.intermediate());
        }
        return List.of(tensors.get(name).length / d, d);
    }

    /** Writes config.json and model.safetensors into {@code dir}. */
    Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), configJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Tensor> list = new ArrayList<>();
        tensors.forEach((name, values) -> list.add(Tensor.ofFloats(name, spec.dtype(), shapeOf(name), values)));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), list);
        return dir;
    }

    private String configJson() {
        Spec s = spec;
        String scaling = s.llama3() == null ? "null" : String.format(Locale.ROOT, "{\"rope_type\": \"llama3\","
                        + " \"factor\": %s, \"low_freq_factor\": %s, \"high_freq_factor\": %s,"
                        + " \"original_max_position_embeddings\": %d}", s.llama3()[0], s.llama3()[1], s.llama3()[2],
                (int) s.llama3()[3]);
        return String.format(Locale.ROOT, "{\"model_type\": \"%s\", \"hidden_size\": %d, \"intermediate_size\": %d,"
                        + " \"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d,"
                        + " \"head_dim\": %d, \"vocab_size\": %d, \"rope_theta\": %s, \"rope_scaling\": %s,"
                        + " \"rms_norm_eps\": %s, \"tie_word_embeddings\": %s, \"max_position_embeddings\": 4096,"
                        + " \"hidden_act\": \"silu\"}", s.modelType(), s.hidden(), s.intermediate(), s.layers(),
                s.heads(), s.kvHeads(), s.headDim(), s.vocab(), s.ropeTheta(), scaling, s.eps(), s.tied());
    }

    private static float[] gaussian(Random rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextGaussian() * scale);
        }
        return x;
    }

    private static float[] gains(Random rng, int n) {
        float[] g = gaussian(rng, n, 0.1);
        for (int i = 0; i < n; i++) {
            g[i] += 1;
        }
        return g;
    }

    private static void roundToDtype(float[] values, SafetensorsDtype dtype) {
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (dtype) {
                case BF16 -> BFloat16.toFloat(BFloat16.fromFloat(values[i]));
                case F16 -> Float16.toFloat(Float16.fromFloat(values[i]));
                default -> values[i];
            };
        }
    }
}
