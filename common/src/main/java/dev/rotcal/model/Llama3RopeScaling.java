package dev.rotcal.model;

import static dev.rotcal.Checks.checkArgument;

import java.util.Optional;

/**
 * LLaMA-3.1's {@code rope_scaling} ({@code "rope_type": "llama3"}): inverse frequencies with wavelength
 * above {@code original / low_freq_factor} are divided by {@code factor}, those below
 * {@code original / high_freq_factor} are kept, and the band between is interpolated smoothly.
 */
public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                                int originalMaxPositionEmbeddings) {

    public Llama3RopeScaling {
        Optional<String> problem = problem(factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings);
        checkArgument(problem.isEmpty(), "Cannot use llama3 rope_scaling: %s", problem.orElse(""));
    }

    /** What is wrong with these values, in config.json's key names, if anything. */
    static Optional<String> problem(double factor, double lowFreqFactor, double highFreqFactor,
                                    long originalMaxPositionEmbeddings) {
        if (!(Double.isFinite(factor) && factor >= 1)) {
            return Optional.of("rope_scaling.factor " + factor + " must be >= 1");
        }
        if (!(Double.isFinite(lowFreqFactor) && lowFreqFactor > 0)) {
            return Optional.of("rope_scaling.low_freq_factor " + lowFreqFactor + " must be > 0");
        }
        if (!(Double.isFinite(highFreqFactor) && highFreqFactor > lowFreqFactor)) {
            return Optional.of("rope_scaling.high_freq_factor " + highFreqFactor + " must be > low_freq_factor "
                    + lowFreqFactor);
        }
        if (originalMaxPositionEmbeddings <= 0) {
            return Optional.of("rope_scaling.original_max_position_embeddings " + originalMaxPositionEmbeddings
                    + " must be > 0");
        }
        return Optional.empty();
    }
}
