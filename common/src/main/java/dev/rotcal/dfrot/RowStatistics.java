package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;

/**
 * What the scan stage keeps of one normalized row: its largest magnitude, the channel it sits on, and its
 * 4-bit NR error e = ‖x − Q(x)‖₂ (un-rotated, the loss quantizer). The NR-error rule of
 * {@link MassiveRowDetector} needs nothing else, so a distributed scan can reduce a block to these.
 *
 * @param maxAbs        max_j |x_j|
 * @param argmaxChannel the channel j of that maximum (the first one on ties)
 * @param nrError       ‖x − Q(x)‖₂
 */
public record RowStatistics(float maxAbs, int argmaxChannel, double nrError) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Statistics of every row of a block.
     *
     * @param rows (nRows, d) row-major normalized rows
     */
    public static RowStatistics[] ofBlock(float[] rows, int nRows, int d) {
        checkArgument(d > 0 && rows.length >= Math.multiplyExact(nRows, d),
                "Cannot compute statistics of %d rows of width %d: the array holds %d floats", nRows, d, rows.length);
        double[] errors = LossQuantizer.rowErrors(rows, nRows, d);
        RowStatistics[] stats = new RowStatistics[nRows];
        for (int i = 0; i < nRows; i++) {
            int off = i * d;
            int argmax = 0;
            float max = -1f;
            for (int j = 0; j < d; j++) {
                float a = Math.abs(rows[off + j]);
                if (a > max) {
                    max = a;
                    argmax = j;
                }
            }
            stats[i] = new RowStatistics(max, argmax, errors[i]);
        }
        return stats;
    }
}
