package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import java.util.Arrays;

/**
 * Rows held in one array, accumulated in blocks of {@link #BLOCK_ROWS} (to bound the scratch memory: three
 * (block, d) float arrays per block).
 */
public final class InMemoryRows implements WeightedRows {
    /** Rows per block GEMM. */
    static final int BLOCK_ROWS = 4096;

    private final float[] rows;      // (nRows, d) row-major normalized rows A, not weighted
    private final int nRows;
    private final int d;
    private final float[] weights;   // (nRows) α for massive rows, 1 for common ones
    private final boolean[] massive; // (nRows)

    /**
     * @param rows    (nRows, d) row-major normalized rows A (not weighted)
     * @param massive (nRows) which rows are massive (weighted by α)
     */
    public InMemoryRows(float[] rows, int nRows, int d, boolean[] massive, double alpha) {
        checkArgument(d > 0 && nRows > 0 && rows.length >= Math.multiplyExact(nRows, d) && massive.length >= nRows,
                "Cannot refine on %d rows of width %d: arrays hold %d floats and %d flags", nRows, d, rows.length,
                massive.length);
        this.rows = rows;
        this.nRows = nRows;
        this.d = d;
        this.massive = massive;
        this.weights = new float[nRows];
        for (int i = 0; i < nRows; i++) {
            weights[i] = massive[i] ? (float) alpha : 1f;
        }
    }

    @Override
    public int d() {
        return d;
    }

    /** Number of rows flagged massive. */
    public long massiveCount() {
        long count = 0;
        for (int i = 0; i < nRows; i++) {
            count += massive[i] ? 1 : 0;
        }
        return count;
    }

    @Override
    public ProcrustesAccumulator accumulate(double[] r) {
        ProcrustesAccumulator accumulator = new ProcrustesAccumulator(d);
        if (nRows <= BLOCK_ROWS) {
            return accumulator.add(rows, nRows, weights, massive, r);
        }
        for (int start = 0; start < nRows; start += BLOCK_ROWS) {
            int end = Math.min(nRows, start + BLOCK_ROWS);
            accumulator.add(Arrays.copyOfRange(rows, start * d, end * d), end - start,
                    Arrays.copyOfRange(weights, start, end), Arrays.copyOfRange(massive, start, end), r);
        }
        return accumulator;
    }
}
