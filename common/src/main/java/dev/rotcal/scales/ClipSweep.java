package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

/**
 * An error curve over clip ratios and its minimum (ties go to the larger ratio, i.e. less clipping).
 *
 * @param ratios (points) clip ratios in increasing order
 * @param errors (points) measured Σ (x − Q_r(x))² at each ratio
 */
public record ClipSweep(float[] ratios, double[] errors) implements java.io.Serializable {
    public ClipSweep {
        checkArgument(ratios != null && errors != null && ratios.length == errors.length && ratios.length > 0,
                "Cannot build a clip sweep: ratios and errors must be non-empty and of equal length");
    }

    /** Index of the smallest error; on ties the larger ratio. */
    public int bestIndex() {
        int best = ratios.length - 1;
        for (int i = ratios.length - 2; i >= 0; i--) {
            if (errors[i] < errors[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The chosen clip ratio. */
    public float bestRatio() {
        return ratios[bestIndex()];
    }

    /** The error at the chosen clip ratio. */
    public double bestError() {
        return errors[bestIndex()];
    }

    /** The error at the largest ratio of the sweep (1.0 for the DFRot sweep: no clipping). */
    public double errorAtLargestRatio() {
        return errors[ratios.length - 1];
    }
}
