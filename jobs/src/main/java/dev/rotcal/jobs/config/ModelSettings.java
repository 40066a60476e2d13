package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.model}: the checkpoint to calibrate.
 *
 * @param uri  the Hugging Face checkpoint folder, "" when calibrating pre-captured activations
 * @param name the model's name in the artifact path (resolved: never empty)
 */
public record ModelSettings(String uri, String name) implements Serializable {

    /** Whether a checkpoint is calibrated (otherwise: pre-captured activations). */
    public boolean isSet() {
        return !uri.isEmpty();
    }

    /** {@code <uri>/<file>}. */
    public String file(String name) {
        return uri + "/" + name;
    }
}
