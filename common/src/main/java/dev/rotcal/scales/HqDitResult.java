package dev.rotcal.scales;

import java.util.List;

/**
 * What {@link HqDitChoice} measured for one linear.
 *
 * @param candidates the formats tried, in order
 * @param errors     (candidates) layer-output error ‖X·Wᵀ − Q(X)·Q(W)ᵀ‖² of each
 * @param winner     the candidate with the smallest error (ties: the earlier one)
 * @param runnerUp   the second best
 * @param margin     errors[runnerUp] − errors[winner] (≥ 0)
 */
public record HqDitResult(List<HybridFormat> candidates, double[] errors, HybridFormat winner, HybridFormat runnerUp,
                          double margin) {

    /** The error of one candidate. */
    public double error(HybridFormat format) {
        return errors[candidates.indexOf(format)];
    }

    /** margin / errors[winner]: how much worse the runner-up is, relative (∞ if the winner is exact). */
    public double relativeMargin() {
        double best = error(winner);
        return best == 0 ? Double.POSITIVE_INFINITY : margin / best;
    }
}
