package dev.rotcal.model;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.io.ByteSource;
import dev.rotcal.model.safetensors.CheckpointDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A decoder-only model's Hugging Face {@code config.json}, typed and validated (families in
 * {@link ModelFamily}). Defaults are transformers' where a key is optional (num_key_value_heads = heads,
 * head_dim = hidden / heads, rms_norm_eps 1e-6, rope_theta 10000, no tied embeddings).
 *
 * @param source          where config.json was read, for messages
 * @param headDim         per-head size; q_proj has heads · head_dim rows, which need not equal hidden_size
 * @param ropeScaling     llama3 rope scaling, when configured
 * @param slidingWindow   sliding-window attention, when on (mistral; qwen2 with use_sliding_window)
 * @param torchDtype      the checkpoint's declared dtype ("bfloat16", "float16", ...), when given
 * @param eosTokenIds     one or more end-of-sequence ids (LLaMA-3.1-Instruct lists three); empty when absent
 */
public record ModelConfig(String source, ModelFamily family, int hiddenSize, int intermediateSize,
                          int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads, int headDim,
                          double rmsNormEps, double ropeTheta, Optional<Llama3RopeScaling> ropeScaling,
                          int vocabSize, boolean tieWordEmbeddings, int maxPositionEmbeddings,
                          Optional<SlidingWindow> slidingWindow, Optional<String> torchDtype,
                          OptionalInt bosTokenId, List<Integer> eosTokenIds) {

    /** Largest config.json accepted. */
    public static final long MAX_BYTES = 4L << 20;
    public static final String FILE_NAME = "config.json";

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        positive(source, "hidden_size", hiddenSize);
        positive(source, "intermediate_size", intermediateSize);
        positive(source, "num_hidden_layers", numHiddenLayers);
        positive(source, "num_attention_heads", numAttentionHeads);
        positive(source, "num_key_value_heads", numKeyValueHeads);
        positive(source, "head_dim", headDim);
        positive(source, "vocab_size", vocabSize);
        positive(source, "max_position_embeddings", maxPositionEmbeddings);
        checkArgument(numAttentionHeads % numKeyValueHeads == 0, "Cannot use model config %s: num_attention_heads"
                        + " %d is not divisible by num_key_value_heads %d (grouped-query attention needs whole groups)",
                source, numAttentionHeads, numKeyValueHeads);
        checkArgument(headDim % 2 == 0, "Cannot use model config %s: head_dim %d is odd (RoPE rotates pairs of"
                + " channels)", source, headDim);
        checkArgument(Double.isFinite(rmsNormEps) && rmsNormEps > 0, "Cannot use model config %s: rms_norm_eps %s"
                + " must be a positive number", source, rmsNormEps);
        checkArgument(Double.isFinite(ropeTheta) && ropeTheta > 0, "Cannot use model config %s: rope_theta %s must"
                + " be a positive number", source, ropeTheta);
        checkArgument((long) numAttentionHeads * headDim <= Integer.MAX_VALUE, "Cannot use model config %s:"
                + " num_attention_heads %d × head_dim %d overflows an int", source, numAttentionHeads, headDim);
    }

    /** Rows of q_proj: heads · head_dim. */
    public int queryDim() {
        return numAttentionHeads * headDim;
    }

    /** Rows of k_proj and v_proj: kv_heads · head_dim. */
    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    /** Query heads per key/value head (1 without grouped-query attention). */
    public int queriesPerKvHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The family's tensor names. */
    public TensorLayout layout() {
        return family.layout();
    }

    /** Parses config.json bytes read from {@code source}. */
    public static ModelConfig parse(String source, byte[] json) {
        return ModelConfigParser.parse(source, json);
    }

    /** Reads a local config.json. */
    public static ModelConfig read(Path file) {
        try {
            long size = Files.size(file);
            checkArgument(size <= MAX_BYTES, "Cannot read model config %s: %d bytes is too large for a config.json",
                    file, size);
            return parse(file.toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model config " + file + ": " + e, e);
        }
    }

    /** Reads config.json of a checkpoint directory (local, or any filesystem the jobs module provides). */
    public static ModelConfig read(CheckpointDirectory dir) {
        try {
            checkArgument(dir.exists(FILE_NAME), "Cannot read model config %s: the file does not exist (a Hugging"
                    + " Face checkpoint directory has one next to the weights)", dir.locationOf(FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model config " + dir.locationOf(FILE_NAME) + ": " + e, e);
        }
        try (ByteSource source = dir.open(FILE_NAME)) {
            return parse(source.location(), source.readAll(MAX_BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model config " + dir.locationOf(FILE_NAME) + ": " + e, e);
        }
    }

    private static void positive(String source, String key, int value) {
        checkArgument(value > 0, "Cannot use model config %s: %s %d must be > 0", source, key, value);
    }
}
