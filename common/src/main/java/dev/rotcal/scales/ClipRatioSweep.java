package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntGranularity;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;

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
        int run = scheme.runLength(d);
        int chunk = Math.min(CHUNK_ROWS, Math.max(n, 1));
        int chunkSlots = chunk * d / run;
        float[] mins = new float[chunkSlots]; // (slots of the chunk) min(x, 0)
        float[] maxs = new float[chunkSlots]; // (slots of the chunk) max(x, 0)
        float[][] scales = new float[ratios.length][]; // (ratios, slots) per ratio the chunk's scales
        int[][] zeros = new int[ratios.length][];      // (ratios, slots) and zero points
        double[] chunkSums = new double[ratios.length]; // (ratios) Σ over the chunk, in element order
        int minCode = scheme.minCode();
        int maxCode = scheme.maxCode();
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int m = Math.min(chunk, n - r0);
            int slots = m * d / run;
            int base = r0 * d;
            // each slot's range once (as IntScales.compute), then every ratio's scales from it (IntScales.ofRanges)
            for (int slot = 0; slot < slots; slot++) {
                float lo = 0f;
                float hi = 0f;
                for (int i = base + slot * run, end = i + run; i < end; i++) {
                    lo = Math.min(lo, rows[i]);
                    hi = Math.max(hi, rows[i]);
                }
                mins[slot] = lo;
                maxs[slot] = hi;
            }
            float[] slotMins = slots == chunkSlots ? mins : java.util.Arrays.copyOf(mins, slots);
            float[] slotMaxs = slots == chunkSlots ? maxs : java.util.Arrays.copyOf(maxs, slots);
            for (int k = 0; k < ratios.length; k++) {
                IntScales s = IntScales.ofRanges(slotMins, slotMaxs, scheme.withClipRatio(ratios[k]));
                scales[k] = s.scales();
                zeros[k] = s.zeroPoints();
            }
            // per slot (in cache) every ratio: x̂ = clamp(rint(x / s), lo − z, hi − z) · s as IntQuantizer, summed
            // per ratio in element order as QuantizationError.sumSquaredError over the chunk
            java.util.Arrays.fill(chunkSums, 0);
            for (int slot = 0; slot < slots; slot++) {
                int off = base + slot * run;
                for (int k = 0; k < ratios.length; k++) {
                    float scale = scales[k][slot];
                    float lo = minCode - zeros[k][slot];
                    float hi = maxCode - zeros[k][slot];
                    double sum = chunkSums[k];
                    for (int i = off, end = off + run; i < end; i++) {
                        float x = rows[i];
                        float q = Math.min(Math.max((float) Math.rint(x / scale), lo), hi) * scale;
                        double e = (double) x - q;
                        sum += e * e;
                    }
                    chunkSums[k] = sum;
                }
            }
            for (int k = 0; k < ratios.length; k++) {
                errors[k] += chunkSums[k];
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
