package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.output}: where runs are published.
 *
 * @param uri       the artifact root (absolute when it was a relative file: URI); runs go to
 *                  {@code <uri>/<model-name>/<run-id>/}
 * @param overwrite replace a run already published at the same path
 */
public record OutputSettings(String uri, boolean overwrite) implements Serializable {
}
