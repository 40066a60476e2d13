package dev.rotcal.scales;

import dev.rotcal.quant.IntScheme;

/**
 * AAC-style activation clipping for one linear input: the clip ratio of dynamic asymmetric per-token INT
 * quantization, chosen on the float model's calibration rows by the measured squared error over DFRot's
 * sweep 0.6 … 1.0 (21 points). The artifact carries only the ratio; scales are computed per token at run time.
 */
public final class ActivationClipSearch {
    /** Serving width of activations. */
    public static final int DEFAULT_BITS = 4;

    private ActivationClipSearch() {
    }

    /** The per-token asymmetric scheme whose ratio is searched. */
    public static IntScheme scheme(int bits) {
        return IntScheme.perRow(bits, false, 1f);
    }

    /**
     * @param rows (n, d) row-major calibration inputs of one linear
     * @return the error curve and its minimum
     */
    public static ClipSweep search(float[] rows, int n, int d, int bits) {
        return ClipRatioSweep.sweep(rows, n, d, scheme(bits));
    }

    /** INT4 ({@link #DEFAULT_BITS}). */
    public static ClipSweep search(float[] rows, int n, int d) {
        return search(rows, n, d, DEFAULT_BITS);
    }
}
