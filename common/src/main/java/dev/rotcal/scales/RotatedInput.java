package dev.rotcal.scales;

import java.io.Serializable;

/**
 * One linear input of one layer in the rotated model's basis, as the weight solves need it.
 *
 * @param hessian      (width, width) row-major GPTQ Hessian 2·XᵀX / N of the rotated input, or null
 * @param sample       (sampleRows, width) row-major rotated input rows (may be empty)
 * @param sampleRows   rows in {@code sample}
 * @param channelAbsMax (width) per-channel max |x| of the rotated input
 * @param sweep        the per-token activation clip sweep of the rotated input
 */
public record RotatedInput(int width, float[] hessian, float[] sample, int sampleRows, float[] channelAbsMax,
                           ClipSweep sweep) implements Serializable {

    /** max |x| over the input (the FP4 activation global scale's amax). */
    public float absMax() {
        float m = 0;
        for (float v : channelAbsMax) {
            m = Math.max(m, v);
        }
        return m;
    }
}
