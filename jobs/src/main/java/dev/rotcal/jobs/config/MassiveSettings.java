package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.massive}: how massive-activation rows are found (reference/DFROT.md).
 *
 * @param rule                 the detection rule
 * @param nrErrorThreshold     nr-error: a row is massive when ‖x − Q(x)‖₂ &lt; this · √d (DFRot: 8.5 / 64)
 * @param magnitudeMin         magnitude: max |x| must exceed this
 * @param magnitudeMedianRatio magnitude: max |x| must exceed this × the median |x|
 * @param seed                 seed of the random orthogonal rotation of ro-vs-nr
 */
public record MassiveSettings(Rule rule, double nrErrorThreshold, double magnitudeMin, double magnitudeMedianRatio,
                              long seed) implements Serializable {

    /** The massive-row rules. */
    public enum Rule implements ConfigEnum {
        /** e(x) of the un-rotated row &lt; threshold · √d (LLaMA, Qwen). */
        NR_ERROR,
        /** e(x · RO) ≥ e(x) for a random orthogonal RO (Mistral). */
        RO_VS_NR,
        /** max |x| &gt; magnitude-min and &gt; magnitude-median-ratio × median |x| (Sun et al.). */
        MAGNITUDE
    }
}
