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
    private float[] sum;         // (in, in) row-major, allocated with the first band
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
        for (int r = 0; r < b.count(); r++) {
            copyRow(b.in(), b.rows(), b.first() + r, b.sum(), r * b.in());
        }
        return this;
    }

    GroupInput merge(GroupInput other) {
        if (other.summary != null) {
            summary = other.summary;
        }
        for (int r = 0; other.sum != null && r < other.in; r++) {
            if (other.covered[r]) {
                copyRow(other.in, other.rows, r, other.sum, r * other.in);
            }
        }
        return this;
    }

    /** Row {@code row} of the Hessian sums of width {@code width} over {@code tokens} rows, from {@code from[at…]}. */
    private void copyRow(int width, long tokens, int row, float[] from, int at) {
        if (sum == null) {
            in = width;
            sum = new float[Math.multiplyExact(in, in)];
            covered = new boolean[in];
            rows = tokens;
        }
        if (width != in || tokens != rows) {
            throw new IllegalStateException("[BUG] Hessian row of width " + width + " over " + tokens
                    + " rows for a Hessian of width " + in + " over " + rows);
        }
        System.arraycopy(from, at, sum, row * in, in);
        covered[row] = true;
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
