package dev.rotcal.demo;

/**
 * The numbers of the real-shaped models' background and mechanism where they differ from the default demo's
 * ({@link DemoMagnitudes} holds the rest: outliers, code amplitude ratios, gates, LLaMA2-7B's values).
 * <p>At the real widths the default demo's numbers would drown the mechanism: with weights N(0, 0.02²) every
 * layer's update has std ≈ 0.02·√d ≈ 1.3 per channel at d = 4096 (0.45 at the demo's 512), and the residual's
 * median |h| rises past 1, so LLaMA2-7B's −458.55 would be only ≈ 400× the median. So the linear weights are
 * N(0, s²) with s = 0.02·√(512/hidden) (0.0071 at 4096, 0.0050 at 8192: q/k/v/gate/up outputs of the demo's
 * size at any width), the projections that write the residual stream (o_proj, down_proj) N(0, s²/(2L)) with L
 * the real model's depth (GPT-2's scaled init), and the embedding's background σ is 0.5. The median |h| is then
 * ≈ 0.35 in every layer however many layers follow the planted one, and both massive channels hold ≥ 1000× it.
 */
final class ShapedMagnitudes {
    private ShapedMagnitudes() {
    }

    /** σ: std of a background embedding channel (the demo's is 0.8). */
    static final double SIGMA = 0.5;
    /** q/k/v biases (qwen2): N(0, 0.1²), zero on the rows the circuit writes. */
    static final double BIAS_STD = 0.1;
    /** m: a 64-channel linear code (at most head_dim: the codes are one KV head's values). */
    static final int CODE_WIDTH = 64;
    /** 12 rotary pairs keep the self head's best off-peak cosine ≤ 0.89 up to 131,072 positions at head_dim 128. */
    static final int POSITION_PAIRS = 12;
    /** LLaMA2-7B's massive channels. */
    static final int[] LLAMA2_7B_CHANNELS = {2533, 1415};
    /**
     * rms(h) at the planted MLP's input over the embedding rms, measured with the forward at the real widths
     * (llama2-7b, qwen2-7b): with the scaled residual projections the layers before it hardly grow the
     * residual; at a delimiter the attention's average adds a little more than at position 0.
     */
    static final double FIRST_TOKEN_RMS_GROWTH = 1.0;
    static final double DELIMITER_RMS_GROWTH = 1.007;

    /** s = 0.02·√(512 / hidden): the demo's weight std at hidden 512, scaled to keep each layer's update size. */
    static double weightStd(int hidden) {
        return DemoMagnitudes.WEIGHT_STD * Math.sqrt(512.0 / hidden);
    }

    /**
     * o_proj and down_proj, which write into the residual stream: s / √(2L) with L the real model's depth
     * (GPT-2's scaled initialization of residual projections), so that even all L layers raise the residual's
     * median |h| by only a few per cent and both massive channels stay ≥ 1000× it in every layer.
     */
    static double residualWeightStd(int hidden, int realLayers) {
        return weightStd(hidden) / Math.sqrt(2.0 * realLayers);
    }

    /** 2533 and 1415 when the model is wide enough (every real shape), else ⌊c·hidden/4096⌋ (narrow tests). */
    static int[] massiveChannels(int hidden) {
        int[] channels = LLAMA2_7B_CHANNELS.clone();
        if (hidden <= channels[0]) {
            for (int i = 0; i < 2; i++) {
                channels[i] = (int) ((long) channels[i] * hidden / 4096);
            }
        }
        return channels;
    }
}
