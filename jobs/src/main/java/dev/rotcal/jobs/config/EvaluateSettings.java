package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.evaluate}: the held-out evaluation after the scales stage.
 *
 * @param enabled        run the evaluate stage (needs model.uri)
 * @param dataUri        held-out token ids (never the calibration windows); "" → no held-out evaluation
 * @param format         how {@code dataUri} is read
 * @param sequenceLength tokens per evaluation window
 * @param sequences      evaluation windows
 * @param seed           seed of the evaluation windows' sampling, and of RO/RH in the comparison
 */
public record EvaluateSettings(boolean enabled, String dataUri, DataSettings.Format format, int sequenceLength,
                               int sequences, long seed) implements Serializable {

    /** Whether held-out tokens are evaluated. */
    public boolean runs() {
        return enabled && !dataUri.isEmpty();
    }
}
