package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.refine}: the DFRot refinement of R1.
 *
 * @param iterations      quantize / Procrustes alternations (≥ 1)
 * @param alpha           weight of massive rows in A (&gt; 0); their error counts α² times
 * @param init            the starting rotation
 * @param seed            seed of the starting rotation
 * @param solver          the driver's Procrustes solve
 * @param checkpointEvery iterations between R checkpoints (0 = off)
 * @param bits            bits of the loss's quantizer (2..8)
 * @param clipRatio       clip ratio of the loss's quantizer, in (0, 1]
 * @param comparePlainProcrustes also refine with α = 1 from the same start, for the comparison in metrics.json
 */
public record RefineSettings(int iterations, double alpha, Init init, long seed, Solver solver, int checkpointEvery,
                             int bits, double clipRatio, boolean comparePlainProcrustes) implements Serializable {

    /** The starting rotation. */
    public enum Init implements ConfigEnum {
        RANDOM_HADAMARD, RANDOM_ORTHOGONAL
    }

    /** How the driver computes the polar factor U·Vᵀ of Aᵀ·B. */
    public enum Solver implements ConfigEnum {
        AUTO, SVD, EIGEN, NEWTON_SCHULZ
    }

    /** Whether R is checkpointed after {@code iteration} (1-based). */
    public boolean checkpointAfter(int iteration) {
        return checkpointEvery > 0 && iteration % checkpointEvery == 0;
    }
}
