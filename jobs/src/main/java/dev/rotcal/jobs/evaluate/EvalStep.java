package dev.rotcal.jobs.evaluate;

import dev.rotcal.dfrot.ClassErrorSums;
import java.io.Serializable;
import java.util.Map;

/**
 * What one layer of the evaluation produced for one block: the residual streams after it, and the float model's
 * 4-bit activation error sums of its two norm outputs by token class under each compared rotation.
 *
 * @param errors "site/rotation" (e.g. "attn_in/dfrot") → error sums
 */
public record EvalStep(EvalBlock next, Map<String, ClassErrorSums> errors) implements Serializable {
}
