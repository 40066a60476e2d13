package dev.rotcal.model;

import static dev.rotcal.Checks.checkArgument;

/**
 * Sliding-window attention: a token attends to at most the {@code size} most recent positions (itself
 * included), on layers {@code firstLayer} and up (mistral: all layers; qwen2: from max_window_layers).
 * It changes the forward pass only for sequences longer than {@code size}.
 */
public record SlidingWindow(int size, int firstLayer) {

    public SlidingWindow {
        checkArgument(size > 0, "Cannot use a sliding window of %d positions: sliding_window must be > 0", size);
        checkArgument(firstLayer >= 0, "Cannot start a sliding window at layer %d: must be >= 0", firstLayer);
    }

    /** True when layer {@code layer} attends through the window. */
    public boolean appliesTo(int layer) {
        return layer >= firstLayer;
    }
}
