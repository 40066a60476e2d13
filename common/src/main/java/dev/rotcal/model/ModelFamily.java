package dev.rotcal.model;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The model families rotcal runs, one row each: the config.json {@code model_type}, where the weights are
 * ({@link TensorLayout}), how config.json describes sliding-window attention, and transformers' default
 * max_position_embeddings. Everything family-specific lives in this table.
 */
public enum ModelFamily {
    LLAMA("llama", TensorLayout.huggingFaceDecoder(false), SlidingWindowKeys.NONE, 2048),
    MISTRAL("mistral", TensorLayout.huggingFaceDecoder(false), SlidingWindowKeys.MISTRAL, 4096 * 32),
    QWEN2("qwen2", TensorLayout.huggingFaceDecoder(true), SlidingWindowKeys.QWEN2, 32768);

    /** How a family's config.json turns on sliding-window attention. */
    public enum SlidingWindowKeys {
        /** No sliding window. */
        NONE,
        /** {@code sliding_window} (default 4096, null = off) on every layer. */
        MISTRAL,
        /**
         * Only when {@code use_sliding_window} (default false): {@code sliding_window} (default 4096) on
         * layers ≥ {@code max_window_layers} (default 28).
         */
        QWEN2
    }

    private final String modelType;
    private final TensorLayout layout;
    private final SlidingWindowKeys slidingWindowKeys;
    private final int defaultMaxPositionEmbeddings;

    ModelFamily(String modelType, TensorLayout layout, SlidingWindowKeys slidingWindowKeys,
                int defaultMaxPositionEmbeddings) {
        this.modelType = modelType;
        this.layout = layout;
        this.slidingWindowKeys = slidingWindowKeys;
        this.defaultMaxPositionEmbeddings = defaultMaxPositionEmbeddings;
    }

    /** The config.json model_type, e.g. "llama". */
    public String modelType() {
        return modelType;
    }

    public TensorLayout layout() {
        return layout;
    }

    /** True for families with q/k/v projection biases (qwen2). */
    public boolean hasQkvBias() {
        return layout.has(LayerTensor.Q_BIAS);
    }

    public SlidingWindowKeys slidingWindowKeys() {
        return slidingWindowKeys;
    }

    public int defaultMaxPositionEmbeddings() {
        return defaultMaxPositionEmbeddings;
    }

    /** The family with config.json model_type {@code modelType}, if rotcal supports it. */
    public static Optional<ModelFamily> fromModelType(String modelType) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst();
    }

    /** "llama, mistral, qwen2", for messages. */
    public static String supportedModelTypes() {
        return Arrays.stream(values()).map(ModelFamily::modelType).collect(Collectors.joining(", "));
    }
}
