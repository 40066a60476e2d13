package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntGranularity;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.QuantizationError;

/**
 * Measures the squared fake-quantization error of calibration rows at every ratio of DFRot's sweep
 * 0.60, 0.62, …, 1.00 (21 points, reference/FORMATS.md). Schemes are per row or per group along the row,
 * so rows are independent: the rows are processed in chunks with one scratch buffer, and sums over
 * disjoint row sets add up (partitions can sum their curves).
 */
public final class ClipRatioSweep {
    /** Points of DFRot's activation sweep. */
    public static final int POINTS = 21;

    private static final int CHUNK_ROWS = 256;

    private ClipRatioSweep() {
    }

    /** 0.60, 0.62, …, 1.00: ratio k = (30 + k) / 50. */
    public static float[] dfrotRatios() {
        float[] ratios = new float[POINTS];
        for (int k = 0; k < POINTS; k++) {
            ratios[k] = (float) ((30 + k) / 50.0);
        }
        return ratios;
    }

    /**
     * Σ over all elements of (x − Q_r(x))², for every ratio r, with {@code scheme}'s clip ratio replaced by r.
     *
     * @param rows (n, d) row-major calibration rows
     * @param scheme PER_ROW or PER_GROUP (groups along d)
     * @return (ratios) error sums, accumulated in double
     */
    public static double[] errors(float[] rows, int n, int d, IntScheme scheme, float[] ratios) {
        checkArgument(scheme.granularity() != IntGranularity.PER_COLUMN,
                "Cannot sweep clip ratios per column: the sweep is for dynamic per-token / per-group scales");
        checkArgument(n >= 0 && d > 0 && rows.length >= Math.multiplyExact((long) n, d),
                "Cannot sweep clip ratios over (%d, %d) rows: the array holds %d floats", n, d, rows.length);
        scheme.scaleCount(1, d); // checks that groups tile the row
        double[] errors = new double[ratios.length]; // (ratios)
        int chunk = Math.min(CHUNK_ROWS, Math.max(n, 1));
        float[] src = new float[chunk * d]; // (chunk, d)
        float[] dst = new float[chunk * d]; // (chunk, d)
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int m = Math.min(chunk, n - r0);
            System.arraycopy(rows, r0 * d, src, 0, m * d);
            for (int k = 0; k < ratios.length; k++) {
                IntQuantizer.fakeQuant(src, dst, m, d, scheme.withClipRatio(ratios[k]));
                errors[k] += QuantizationError.sumSquaredError(src, dst, 0, m * d);
            }
        }
        return errors;
    }

    /** The sweep curve of {@code rows} over DFRot's 21 ratios. */
    public static ClipSweep sweep(float[] rows, int n, int d, IntScheme scheme) {
        float[] ratios = dfrotRatios();
        return new ClipSweep(ratios, errors(rows, n, d, scheme, ratios));
    }
}
