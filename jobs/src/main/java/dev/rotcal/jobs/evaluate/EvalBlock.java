package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.capture.TokenBlock;
import java.io.Serializable;
import java.util.Map;

/**
 * One block of held-out sequences between two layers of the evaluation: the residual stream of every variant.
 *
 * @param hidden     variant name → (rows, d) row-major residual stream (in the variant's rotated basis)
 * @param layersDone layers run so far
 */
public record EvalBlock(TokenBlock tokens, Map<String, float[]> hidden, int layersDone) implements Serializable {
}
