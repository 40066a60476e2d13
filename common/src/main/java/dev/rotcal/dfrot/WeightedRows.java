package dev.rotcal.dfrot;

/**
 * The calibration rows as DFRot's loop sees them: only through the data side of one iteration. The
 * reference implementation holds the rows in memory ({@link InMemoryRows}); the Spark refine stage
 * broadcasts R and aggregates the partitions' accumulators. Either way the loop in {@link DfrotRefiner} is
 * the same.
 */
public interface WeightedRows {
    /** Row width d. */
    int d();

    /**
     * Sums over all rows at rotation {@code r}: C = A_wᵀ·Q(A_w·R) and the loss, with the massive rows weighted
     * by α.
     *
     * @param r (d, d) row-major rotation
     */
    ProcrustesAccumulator accumulate(double[] r);

    /** How the last {@link #accumulate} spent its time, when the rows know (spread over a cluster). */
    default java.util.Optional<PassSeconds> lastPass() {
        return java.util.Optional.empty();
    }
}
