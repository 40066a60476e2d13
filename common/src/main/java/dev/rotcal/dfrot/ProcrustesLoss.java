package dev.rotcal.dfrot;

import java.io.Serializable;

/**
 * DFRot's loss at one rotation R, Σ_rows ‖w·x·R − Q(w·x·R)‖², split by row class.
 *
 * @param weightedCommon Σ_common w²·‖x·R − Q(x·R)‖² (w = 1 for common rows in DFRot)
 * @param weightedMassive Σ_massive w²·‖x·R − Q(x·R)‖² (w = α)
 * @param squaredCommon  Σ_common ‖x·R − Q(x·R)‖², unweighted
 * @param squaredMassive Σ_massive ‖x·R − Q(x·R)‖², unweighted
 * @param errors         unweighted per-class sums of ‖x·R − Q(x·R)‖₂ and row counts
 */
public record ProcrustesLoss(double weightedCommon, double weightedMassive, double squaredCommon,
                             double squaredMassive, ClassErrorSums errors) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The objective DFRot minimizes: Σ_common + α²·Σ_massive. */
    public double weightedTotal() {
        return weightedCommon + weightedMassive;
    }

    public long rows() {
        return errors.commonRows() + errors.massiveRows();
    }
}
