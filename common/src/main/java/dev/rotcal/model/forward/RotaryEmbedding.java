package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.Llama3RopeScaling;
import dev.rotcal.model.ModelConfig;

/**
 * Rotary position embedding in HF's rotate_half convention: a head vector's pair (x[i], x[i + headDim/2])
 * is rotated by the angle position · invFreq[i], with invFreq[i] = theta^(−2i/headDim), optionally
 * rescaled by the llama3 rope_scaling. Angles and rotations are computed in double.
 */
public final class RotaryEmbedding {
    private final int headDim;
    private final double[] invFreq; // (headDim / 2) radians per position of each rotated pair

    private RotaryEmbedding(int headDim, double[] invFreq) {
        this.headDim = headDim;
        this.invFreq = invFreq;
    }

    /** The model's RoPE: head_dim, rope_theta and, when configured, the llama3 rope_scaling. */
    public static RotaryEmbedding of(ModelConfig config) {
        return config.ropeScaling()
                .map(s -> llama3(config.headDim(), config.ropeTheta(), s))
                .orElseGet(() -> standard(config.headDim(), config.ropeTheta()));
    }

    /** Plain RoPE (rope_scaling absent): invFreq[i] = theta^(−2i/headDim). */
    public static RotaryEmbedding standard(int headDim, double theta) {
        return new RotaryEmbedding(headDim, baseFrequencies(headDim, theta));
    }

    /** RoPE with the llama3 rope_scaling applied to every base frequency. */
    public static RotaryEmbedding llama3(int headDim, double theta, Llama3RopeScaling scaling) {
        double[] freq = baseFrequencies(headDim, theta);
        for (int i = 0; i < freq.length; i++) {
            freq[i] = llama3Scaled(freq[i], scaling);
        }
        return new RotaryEmbedding(headDim, freq);
    }

    /**
     * HF's _compute_llama3_parameters for one frequency: long wavelengths (2π / invFreq above
     * original / low_freq_factor) are slowed down by the factor, short ones (below
     * original / high_freq_factor) kept, and the band between blended.
     */
    static double llama3Scaled(double invFreq, Llama3RopeScaling s) {
        double original = s.originalMaxPositionEmbeddings();
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen > original / s.lowFreqFactor()) {
            return invFreq / s.factor();             // low frequency: interpolate positions by factor
        }
        if (wavelen < original / s.highFreqFactor()) {
            return invFreq;                          // high frequency: unchanged
        }
        // medium band: smooth = 0 at the low-frequency edge, 1 at the high-frequency edge
        double smooth = (original / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * invFreq / s.factor() + smooth * invFreq;
    }

    private static double[] baseFrequencies(int headDim, double theta) {
        checkArgument(headDim > 0 && headDim % 2 == 0,
                "Cannot build rotary embeddings for head_dim %d: must be even and positive", headDim);
        checkArgument(theta > 1, "Cannot build rotary embeddings with rope_theta %s: must be > 1 (rope_theta)",
                theta);
        double[] freq = new double[headDim / 2];
        for (int i = 0; i < freq.length; i++) {
            freq[i] = Math.pow(theta, -2.0 * i / headDim);
        }
        return freq;
    }

    public int headDim() {
        return headDim;
    }

    /** (headDim / 2) a copy of the angular frequencies, radians per position. */
    public double[] inverseFrequencies() {
        return invFreq.clone();
    }

    /**
     * Rotates every head of every row in place: for each pair i < headDim/2 of a head, with
     * a = position · invFreq[i],
     * x'[i] = x[i]·cos a − x[i + half]·sin a and x'[i + half] = x[i + half]·cos a + x[i]·sin a
     * (x·cos + rotate_half(x)·sin).
     *
     * @param x          (rows, nHeads * headDim) row-major, heads side by side; updated in place
     * @param positions  (rows) position id of each row
     */
    public void apply(float[] x, int rows, int nHeads, int[] positions) {
        int width = Math.multiplyExact(nHeads, headDim);
        checkArgument(x.length >= Math.multiplyExact((long) rows, width) && positions.length >= rows,
                "Cannot apply rotary embeddings to %d rows of %d heads × %d: block holds %d floats, %d "
                        + "positions", rows, nHeads, headDim, x.length, positions.length);
        int half = headDim / 2;
        double[] cos = new double[half]; // (headDim / 2) cos of this row's angles
        double[] sin = new double[half]; // (headDim / 2)
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[r] * invFreq[i];
                cos[i] = Math.cos(angle);
                sin[i] = Math.sin(angle);
            }
            for (int h = 0; h < nHeads; h++) {
                int off = r * width + h * headDim;
                for (int i = 0; i < half; i++) {
                    double lo = x[off + i];
                    double hi = x[off + half + i];
                    x[off + i] = (float) (lo * cos[i] - hi * sin[i]);
                    x[off + half + i] = (float) (hi * cos[i] + lo * sin[i]);
                }
            }
        }
    }
}
