package dev.rotcal.demo;

/**
 * The numbers of the demo model's background and planted mechanism, in one place. σ is the standard
 * deviation of a background embedding channel; the residual stream's median |h| is then ≈ 0.65..0.72 and the
 * planted values (LLaMA2-7B's, DFROT.md) are ≈ 670×..1130× (first token) and ≈ 2100×..3700× (delimiter) that
 * median. A larger median would not do: with σ ≈ 1.5 (median |h| ≈ 1.2) the rest of a first-token row
 * holds so much energy that its NR error exceeds its RH error, and DFROT.md's ordering breaks.
 * See {@code package-info.java} for how each number enters the mechanism.
 */
final class DemoMagnitudes {
    private DemoMagnitudes() {
    }

    /** σ: standard deviation of a background embedding channel. */
    static final double BACKGROUND_STD = 0.8;
    /** Median of |N(0, 1)|: outlier magnitudes are multiples of the typical |h| = 0.6745·σ. */
    static final double MEDIAN_ABS_NORMAL = 0.6744897501960817;
    /** Standard deviation of every background linear weight (a "trained-ish" init). */
    static final double WEIGHT_STD = 0.02;
    /** Standard deviation of the background RMSNorm gains around 1. */
    static final double GAIN_NOISE = 0.02;

    /** Common outlier channels: their magnitude is 15..25× the typical |h|, with a fixed sign per channel. */
    static final int OUTLIER_CHANNELS = 6;
    static final double OUTLIER_MIN_RATIO = 15.0;
    static final double OUTLIER_MAX_RATIO = 25.0;
    /** Per-token jitter of an outlier's magnitude: a factor in [1 − j, 1 + j]. */
    static final double OUTLIER_JITTER = 0.1;

    /** c0: the constant channel every embedding row holds. */
    static final double CONSTANT = 3 * BACKGROUND_STD;
    /** ± value of a code channel. */
    static final double CODE = BACKGROUND_STD;
    /** Value of the delimiter-flag channel in the delimiter's row (0 in every other row). */
    static final double FLAG = 4 * BACKGROUND_STD;

    /** m: code channels per token (and difference channels). */
    static final int CODE_WIDTH = 32;
    /** Minimum Hamming distance between two tokens' codes. */
    static final int MIN_CODE_DISTANCE = 8;

    /** Rotary pairs p = 0..5 (the fastest-turning ones) carry the self head's position signal. */
    static final int POSITION_PAIRS = 6;
    /** Logits between the self head's peak (j = i) and the best other key, after 1/√head_dim. */
    static final double POSITION_GAP = 40.0;

    /** a_v: the value head maps a code channel ±CODE to ±a_v. */
    static final double VALUE_SCALE = BACKGROUND_STD;
    /** t = β·x_D of a |d| neuron when |D| = a_v (nominal norm): silu(t) + silu(−t) = t·tanh(t/2). */
    static final double ABS_SHARPNESS = 3.0;
    /** Z when all m code channels differ by a_v (a token far into the sequence). */
    static final double Z_TYPICAL = 4 * BACKGROUND_STD;

    /** Gate and up activations of a planted neuron when it fires: its output is ≈ 16 · 16. */
    static final double FIRING_GATE = 16.0;
    static final double FIRING_UP = 16.0;
    /** The first-token neuron's gate at a token with the smallest Z (nominal): silu(−40) ≈ 2e−16. */
    static final double FIRST_TOKEN_OFF_GATE = -40.0;
    /** The delimiter neuron's gate at every token without the flag. */
    static final double DELIMITER_OFF_GATE = -56.0;

    /** LLaMA2-7B's residual values in its two massive channels (DFROT.md, Sun et al.). */
    static final double[] FIRST_TOKEN_VALUES = {767.6, -458.55};
    static final double[] DELIMITER_VALUES = {2546.8, -1502.0};

    /**
     * rms(h) at the planted layer's MLP input over rms(h) of an embedding row: the background layers before
     * it grow the residual a little. Measured with the forward on the default spec (first token and
     * delimiter both within ±3 %); it only sets how close the planted values land to LLaMA2-7B's.
     */
    static final double PLANTED_RMS_GROWTH = 1.045;

    /** t·tanh(t/2) = silu(t) + silu(−t). */
    static double absPair(double t) {
        return t * StrictMath.tanh(t / 2);
    }
}
