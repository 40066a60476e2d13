package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.activations}: pre-captured activation dumps, the alternative to a model checkpoint.
 *
 * @param uri the dumps (safetensors, one tensor per layer and norm); "" when a model is calibrated
 */
public record ActivationsSettings(String uri) implements Serializable {

    public boolean isSet() {
        return !uri.isEmpty();
    }
}
