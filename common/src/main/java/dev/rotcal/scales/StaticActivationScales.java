package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;

/**
 * MergeQuant-style static per-channel activation quantization (arXiv 2503.07654, reference/FORMATS.md) for a
 * linear fed by an RMSNorm: one symmetric b-bit step s_c per input channel from the calibrated channel
 * ranges, s_c = clip · max_t |x_tc| / (2^(b−1) − 1) (an all-zero channel gets 1), and Quantization Step
 * Migration: the division by s_c moves into the norm gain (g_c / s_c) and the multiplication by s_c into
 * weight column c (W[:, c] · s_c). The norm then emits x_c / s_c, the GEMM input is rint of that, clamped to
 * [−2^(b−1), 2^(b−1) − 1] (integer-valued, no scale around the GEMM), and
 * rint(x / s) · (W · s)ᵀ = (s · rint(x / s)) · Wᵀ, the static fake-quantized layer.
 *
 * <p>The clip ratio is chosen on calibration rows by the layer-output error ‖X·Wᵀ − Q(X)·Wᵀ‖² over DFRot's
 * sweep 0.6 … 1.0 ({@link #searchClipRatio}); 1.0 is on the sweep, so the chosen ratio is never worse than
 * no clipping on those rows.
 */
public final class StaticActivationScales {
    private StaticActivationScales() {
    }

    /**
     * Per-channel steps s_c = clip · absmax_c / maxq, maxq = 2^(bits−1) − 1; 0 → 1.
     *
     * @return (d) steps
     */
    public static float[] steps(ChannelRangeAccumulator ranges, int bits, float clipRatio) {
        checkArgument(ranges.rows() > 0,
                "Cannot compute static activation steps from no rows: add calibration rows to the accumulator");
        return steps(ranges.channelAbsMax(), bits, clipRatio);
    }

    /**
     * @param channelAbsMax (d) max |x| per channel
     * @return (d) steps
     */
    public static float[] steps(float[] channelAbsMax, int bits, float clipRatio) {
        IntScheme scheme = scheme(bits, clipRatio);
        float[] mins = new float[channelAbsMax.length]; // (d) −absmax
        for (int c = 0; c < mins.length; c++) {
            mins[c] = -channelAbsMax[c];
        }
        return IntScales.ofRanges(mins, channelAbsMax, scheme).scales(); // clip · max / maxq, zero → 1
    }

    /**
     * The migrated RMSNorm gain g_c / s_c.
     *
     * @param gain  (d) the norm's gain
     * @param steps (d) s_c
     * @return (d) migrated gain
     */
    public static float[] migratedGain(float[] gain, float[] steps) {
        checkArgument(gain.length == steps.length,
                "Cannot migrate %d activation steps into a norm gain of width %d", steps.length, gain.length);
        float[] migrated = new float[gain.length]; // (d)
        for (int c = 0; c < gain.length; c++) {
            migrated[c] = gain[c] / steps[c];
        }
        return migrated;
    }

    /**
     * The migrated following linear: W[:, c] · s_c.
     *
     * @param weights (out, in) row-major W
     * @param steps   (in) s_c
     * @return (out, in) row-major migrated weights
     */
    public static float[] migratedWeights(float[] weights, int out, int in, float[] steps) {
        checkArgument(steps.length == in && weights.length == Math.multiplyExact((long) out, in),
                "Cannot migrate %d activation steps into a (%d, %d) weight holding %d floats (need in steps)",
                steps.length, out, in, weights.length);
        float[] migrated = new float[out * in]; // (out, in)
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                migrated[r * in + c] = weights[r * in + c] * steps[c];
            }
        }
        return migrated;
    }

    /**
     * The integer GEMM input of the migrated layer: clamp(rint(x'), −2^(b−1), 2^(b−1) − 1) of the norm output
     * x' = x / s computed with the migrated gain.
     *
     * @param migrated (n, d) row-major norm outputs with the migrated gain
     * @param codes    (n, d) row-major output, integer-valued floats
     */
    public static void integerInput(float[] migrated, float[] codes, int n, int d, int bits) {
        IntScheme scheme = scheme(bits, 1f);
        checkArgument(migrated.length >= Math.multiplyExact((long) n, d) && codes.length >= n * d,
                "Cannot quantize (%d, %d) migrated rows: arrays hold %d and %d floats", n, d, migrated.length,
                codes.length);
        float lo = scheme.minCode();
        float hi = scheme.maxCode();
        for (int i = 0; i < n * d; i++) {
            codes[i] = Math.min(Math.max((float) Math.rint(migrated[i]), lo), hi);
        }
    }

    /**
     * Static fake quantization Q(x)_c = s_c · clamp(rint(x_c / s_c)) (the unmigrated equivalent).
     *
     * @param x   (n, d) row-major
     * @param dst (n, d) row-major output
     */
    public static void fakeQuant(float[] x, float[] dst, int n, int d, float[] steps, int bits) {
        checkArgument(steps.length == d, "Cannot quantize rows of width %d with %d channel steps", d, steps.length);
        IntQuantizer.fakeQuant(x, dst, n, d, scheme(bits, 1f), new IntScales(steps, new int[d]));
    }

    /**
     * Layer-output error ‖X·Wᵀ − Q_r(X)·Wᵀ‖² of static quantization at each of DFRot's ratios 0.6 … 1.0, steps
     * from {@code ranges}; the curve's minimum (ties: the larger ratio) is the chosen clip.
     *
     * @param x       (n, in) row-major calibration rows (the ranges should cover them)
     * @param weights (out, in) row-major W of the following linear
     */
    public static ClipSweep searchClipRatio(float[] x, int n, ChannelRangeAccumulator ranges, float[] weights,
                                            int out, int bits) {
        return searchClipRatio(x, n, ranges.channelAbsMax(), weights, out, bits);
    }

    /** As {@link #searchClipRatio(float[], int, ChannelRangeAccumulator, float[], int, int)}, from (in) max |x|. */
    public static ClipSweep searchClipRatio(float[] x, int n, float[] channelAbsMax, float[] weights, int out,
                                            int bits) {
        int in = channelAbsMax.length;
        checkArgument(n > 0 && x.length == Math.multiplyExact((long) n, in),
                "Cannot search a static clip ratio with %d rows of width %d: the array holds %d floats", n, in,
                x.length);
        checkArgument(weights.length == Math.multiplyExact((long) out, in),
                "Cannot search a static clip ratio for a (%d, %d) weight holding %d floats", out, in, weights.length);
        double[] target = LayerOutput.exact(x, n, weights, out, in); // (n, out)
        float[] ratios = ClipRatioSweep.dfrotRatios();
        double[] errors = new double[ratios.length]; // (ratios)
        float[] xq = new float[n * in]; // (n, in)
        for (int k = 0; k < ratios.length; k++) {
            fakeQuant(x, xq, n, in, steps(channelAbsMax, bits, ratios[k]), bits);
            errors[k] = LayerOutput.error(xq, n, in, weights, out, target);
        }
        return new ClipSweep(ratios, errors);
    }

    private static IntScheme scheme(int bits, float clipRatio) {
        return IntScheme.perColumn(bits, true, clipRatio);
    }
}
