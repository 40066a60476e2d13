package dev.rotcal.jobs.scales;

import dev.rotcal.scales.HessianAccumulator;
import dev.rotcal.scales.HessianBand;
import dev.rotcal.scales.LayerStatistics;
import java.io.Serializable;

/**
 * What one scales task gathers for its linear group: the layer's statistics summary and its input's Hessian sums,
 * put together band by band as the bands arrive (Spark's combineByKey without map-side combining), so the task holds
 * the one (in, in) matrix and never all its bands besides it.
 */
final class GroupInput implements Serializable {
    private static final long serialVersionUID = 1L;

    private LayerStatistics summary;
    private double[] sum;        // (in, in) row-major, allocated with the first band
    private boolean[] covered;   // rows of sum filled so far
    private int in;
    private long rows = -1;

    static GroupInput of(StatisticPiece piece) {
        return new GroupInput().add(piece);
    }

    GroupInput add(StatisticPiece piece) {
        if (piece.isSummary()) {
            summary = piece.summary();
            return this;
        }
        HessianBand b = piece.band();
        if (sum == null) {
            in = b.in();
            sum = new double[Math.multiplyExact(in, in)];
            covered = new boolean[in];
            rows = b.rows();
        }
        if (b.in() != in || b.rows() != rows) {
            throw new IllegalStateException("[BUG] Hessian band of width " + b.in() + " over " + b.rows()
                    + " rows for a Hessian of width " + in + " over " + rows);
        }
        System.arraycopy(b.sum(), 0, sum, b.first() * in, b.sum().length);
        for (int r = b.first(); r < b.first() + b.count(); r++) {
            covered[r] = true;
        }
        return this;
    }

    GroupInput merge(GroupInput other) {
        if (other.summary != null) {
            summary = other.summary;
        }
        if (other.sum != null) {
            for (int r = 0; r < other.in; r++) {
                if (other.covered[r]) {
                    add(StatisticPiece.band(0, null, new HessianBand(other.in, r, 1,
                            java.util.Arrays.copyOfRange(other.sum, r * other.in, (r + 1) * other.in), other.rows)));
                }
            }
        }
        return this;
    }

    LayerStatistics summary() {
        return summary;
    }

    /** The input's Hessian sums, or null when none were gathered; every row must have arrived. */
    HessianAccumulator hessian() {
        if (sum == null) {
            return null;
        }
        for (int r = 0; r < in; r++) {
            if (!covered[r]) {
                throw new IllegalStateException("[BUG] no Hessian band holds row " + r + " of " + in);
            }
        }
        return HessianAccumulator.ofSum(in, sum, rows);
    }
}
