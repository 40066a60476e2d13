package dev.rotcal.jobs.capture;

import java.io.Serializable;

/**
 * The residual stream of a token block between two layers.
 *
 * @param tokens the sequences
 * @param hidden (rows, d) row-major residual stream h after {@code layersDone} layers
 * @param layersDone how many decoder layers have run
 */
public record HiddenBlock(TokenBlock tokens, float[] hidden, int layersDone) implements Serializable {
}
