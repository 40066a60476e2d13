package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

/**
 * Rows held in one array, accumulated by one {@link ProcrustesBlockKernel} per rotation in blocks of
 * {@link #BLOCK_ROWS} (which bounds the scratch memory: two native and one heap (block, d) float arrays).
 */
public final class InMemoryRows implements WeightedRows {
    /** Rows per block GEMM. */
    static final int BLOCK_ROWS = ProcrustesBlockKernel.DEFAULT_BLOCK_ROWS;

    private final float[] rows;      // (nRows, d) row-major normalized rows A, not weighted
    private final int nRows;
    private final int d;
    private final float[] weights;   // (nRows) α for massive rows, 1 for common ones
    private final boolean[] massive; // (nRows)
    private final int bits;          // the loss quantizer
    private final float clipRatio;

    /**
     * @param rows    (nRows, d) row-major normalized rows A (not weighted)
     * @param massive (nRows) which rows are massive (weighted by α)
     */
    public InMemoryRows(float[] rows, int nRows, int d, boolean[] massive, double alpha) {
        this(rows, nRows, d, massive, alpha, LossQuantizer.BITS, LossQuantizer.CLIP_RATIO);
    }

    /** As above, with a loss quantizer of {@code bits} and {@code clipRatio} instead of DFRot's 4 bits, clip 1. */
    public InMemoryRows(float[] rows, int nRows, int d, boolean[] massive, double alpha, int bits, float clipRatio) {
        checkArgument(d > 0 && nRows > 0 && rows.length >= Math.multiplyExact(nRows, d) && massive.length >= nRows,
                "Cannot refine on %d rows of width %d: arrays hold %d floats and %d flags", nRows, d, rows.length,
                massive.length);
        this.rows = rows;
        this.nRows = nRows;
        this.d = d;
        this.massive = massive;
        this.bits = bits;
        this.clipRatio = clipRatio;
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
        return accumulate(r, new BlockPhaseTimes());
    }

    /** As {@link #accumulate(double[])}, adding the time of each phase into {@code times}. */
    public ProcrustesAccumulator accumulate(double[] r, BlockPhaseTimes times) {
        ProcrustesAccumulator accumulator = new ProcrustesAccumulator(d, bits, clipRatio);
        try (ProcrustesBlockKernel kernel = new ProcrustesBlockKernel(accumulator, r, Math.min(nRows, BLOCK_ROWS),
                times)) {
            kernel.add(rows, 0, nRows, weights, massive);
        }
        return accumulator;
    }
}
