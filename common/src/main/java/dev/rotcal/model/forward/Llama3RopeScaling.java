package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * The {@code llama3} rope_scaling of HF config.json (LLaMA 3.1+): long wavelengths are slowed down by
 * {@code factor}, short ones kept, and the band in between interpolated (HF's
 * {@code _compute_llama3_parameters}).
 *
 * @param factor                         slow-down of the low frequencies (8 for LLaMA 3.1)
 * @param lowFreqFactor                  wavelengths above original / lowFreqFactor are fully scaled
 * @param highFreqFactor                 wavelengths below original / highFreqFactor are unchanged
 * @param originalMaxPositionEmbeddings  the context length the model was pre-trained with
 */
public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                                int originalMaxPositionEmbeddings) {

    public Llama3RopeScaling {
        checkArgument(factor > 0, "Cannot use llama3 rope_scaling with factor %s: must be > 0", factor);
        checkArgument(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor,
                "Cannot use llama3 rope_scaling with low_freq_factor %s and high_freq_factor %s: "
                        + "need 0 < low < high", lowFreqFactor, highFreqFactor);
        checkArgument(originalMaxPositionEmbeddings > 0,
                "Cannot use llama3 rope_scaling with original_max_position_embeddings %d: must be > 0",
                originalMaxPositionEmbeddings);
    }

    /** The scaled angular frequency for an unscaled one (radians per position). */
    public double scale(double invFreq) {
        double wavelen = 2 * Math.PI / invFreq;
        double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
        double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
        if (wavelen > lowFreqWavelen) {
            return invFreq / factor;                 // low frequency: interpolate positions by factor
        }
        if (wavelen < highFreqWavelen) {
            return invFreq;                          // high frequency: unchanged
        }
        // medium band: blend the scaled and the unscaled frequency
        double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * invFreq / factor + smooth * invFreq;
    }
}
