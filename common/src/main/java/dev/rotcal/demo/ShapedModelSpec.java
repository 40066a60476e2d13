package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What {@link ShapedModel#write} writes: a real model's shape with only {@code layers} decoder layers, its
 * seed, the token files' size, and the largest shard. The same spec writes byte-identical files.
 *
 * @param widths              the shape's real widths; {@link #withWidths} narrows them for tests only
 * @param calibrationWindows  windows in calibration-tokens.npy (default 8)
 * @param evaluationWindows   windows in evaluation-tokens.npy (default 2)
 * @param windowTokens        tokens per window (default 2048, DFRot's calibration length)
 * @param maxShardBytes       a new shard starts before a tensor that would take its shard beyond this many data
 *                            bytes (a tensor is never split; one bigger than this gets a shard of its own)
 */
public record ShapedModelSpec(ModelShape shape, ShapeWidths widths, int layers, long seed, int calibrationWindows,
                              int evaluationWindows, int windowTokens, long maxShardBytes) {

    public static final int DEFAULT_CALIBRATION_WINDOWS = 8;
    public static final int DEFAULT_EVALUATION_WINDOWS = 2;
    public static final int DEFAULT_WINDOW_TOKENS = 2048;
    /** Shards of at most 4 GB of tensor data, as real checkpoints (transformers' default is 5 GB). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 4_000_000_000L;
    /** Most tokens per file: the .npy token readers hold one Java array. */
    static final long MAX_TOKENS = 1L << 28;

    public ShapedModelSpec {
        checkArgument(shape != null && widths != null, "Cannot write a shaped model without a shape");
        checkArgument(layers >= 1 && layers <= shape.realLayers(), "Cannot write %s with %d layers: the real model"
                + " has %d, so 1..%d", shape.cliName(), layers, shape.realLayers(), shape.realLayers());
        checkArgument(calibrationWindows >= 1 && evaluationWindows >= 1, "Cannot write %d calibration and %d"
                + " evaluation windows: need at least one of each", calibrationWindows, evaluationWindows);
        checkArgument(windowTokens >= 16 && windowTokens <= maxSequenceLength(shape), "Cannot write windows of"
                + " %d tokens for %s: supported 16..%d (its max_position_embeddings%s)", windowTokens,
                shape.cliName(), maxSequenceLength(shape), shape == ModelShape.MISTRAL_7B ? " and sliding_window" : "");
        checkArgument((long) calibrationWindows * windowTokens <= MAX_TOKENS
                        && (long) evaluationWindows * windowTokens <= MAX_TOKENS, "Cannot write %d or %d windows of %d"
                        + " tokens: at most %d tokens per file", calibrationWindows, evaluationWindows, windowTokens,
                MAX_TOKENS);
        checkArgument(maxShardBytes >= 1 << 20, "Cannot write shards of at most %d bytes: need ≥ 1 MiB",
                maxShardBytes);
    }

    /** {@code layers} layers of {@code shape} at its real widths, default seed, windows and shard size. */
    public static ShapedModelSpec of(ModelShape shape, int layers) {
        return new ShapedModelSpec(shape, shape.widths(), layers, DemoModelSpec.DEFAULT_SEED,
                DEFAULT_CALIBRATION_WINDOWS, DEFAULT_EVALUATION_WINDOWS, DEFAULT_WINDOW_TOKENS,
                DEFAULT_MAX_SHARD_BYTES);
    }

    public ShapedModelSpec withSeed(long newSeed) {
        return new ShapedModelSpec(shape, widths, layers, newSeed, calibrationWindows, evaluationWindows,
                windowTokens, maxShardBytes);
    }

    public ShapedModelSpec withWindows(int calibration, int evaluation, int tokens) {
        return new ShapedModelSpec(shape, widths, layers, seed, calibration, evaluation, tokens, maxShardBytes);
    }

    /** For tests: the same family and config keys at narrower widths (the mechanism needs hidden ≥ 256). */
    public ShapedModelSpec withWidths(ShapeWidths narrower) {
        return new ShapedModelSpec(shape, narrower, layers, seed, calibrationWindows, evaluationWindows,
                windowTokens, maxShardBytes);
    }

    public ShapedModelSpec withMaxShardBytes(long bytes) {
        return new ShapedModelSpec(shape, widths, layers, seed, calibrationWindows, evaluationWindows, windowTokens,
                bytes);
    }

    /** The layer whose MLP writes the massive values: 1 (0 for a one-layer model, delimiter neuron only). */
    public int plantedLayer() {
        return layers >= 2 ? 1 : 0;
    }

    /** True when the widths are the real model's. */
    public boolean realWidths() {
        return widths.equals(shape.widths());
    }

    /** config.json. */
    ObjectNode config() {
        return shape.config(widths, layers);
    }

    /** The longest window rotcal runs exactly: max_position_embeddings, and Mistral's sliding window. */
    private static int maxSequenceLength(ModelShape shape) {
        return switch (shape) {
            case LLAMA2_7B, MISTRAL_7B -> 4096;
            default -> 131072;
        };
    }
}
