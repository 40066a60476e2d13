package dev.rotcal.dfrot;

import java.io.Serializable;

/**
 * Where one pass over the rows (C = A_wᵀ·Q(A_w·R) and the loss) spent its time, when the rows are spread over a
 * cluster: sending R to the executors, the executors' work (every partition's GEMMs and quantizer, and the
 * executors' merge of partial accumulators), and the driver's merge of the partials it receives.
 *
 * @param broadcast seconds to broadcast R
 * @param tasks     seconds of the Spark job: the data side
 * @param merge     seconds of the driver's final merge
 */
public record PassSeconds(double broadcast, double tasks, double merge) implements Serializable {
}
