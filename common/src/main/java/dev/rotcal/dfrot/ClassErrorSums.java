package dev.rotcal.dfrot;

import java.io.Serializable;

/**
 * Sums of per-row 4-bit quantization errors ‖x·R − Q(x·R)‖₂, split by row class, and their row counts.
 * Sums (not means) so partial results over blocks or partitions {@link #merge merge} exactly.
 *
 * @param commonErrorSum  Σ over common rows of the L2 error
 * @param commonRows      number of common rows
 * @param massiveErrorSum Σ over massive rows of the L2 error
 * @param massiveRows     number of massive rows
 */
public record ClassErrorSums(double commonErrorSum, long commonRows, double massiveErrorSum, long massiveRows)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** No rows yet. */
    public static ClassErrorSums empty() {
        return new ClassErrorSums(0, 0, 0, 0);
    }

    /** These rows and the other's. */
    public ClassErrorSums merge(ClassErrorSums other) {
        return new ClassErrorSums(commonErrorSum + other.commonErrorSum, commonRows + other.commonRows,
                massiveErrorSum + other.massiveErrorSum, massiveRows + other.massiveRows);
    }

    /** Mean L2 error of the common rows (NaN without common rows). */
    public double commonMean() {
        return commonRows == 0 ? Double.NaN : commonErrorSum / commonRows;
    }

    /** Mean L2 error of the massive rows (NaN without massive rows). */
    public double massiveMean() {
        return massiveRows == 0 ? Double.NaN : massiveErrorSum / massiveRows;
    }
}
