package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * Scales and zero points of an {@link IntScheme} over a (rows, cols) block, computed from the observed
 * min / max (QuaRot's find_params). Slot layout by granularity: PER_ROW (rows), PER_COLUMN (cols),
 * PER_GROUP (rows, cols / groupSize) row-major.
 *
 * @param scales     (slots) step sizes, each ≥ the scheme's min scale and > 0
 * @param zeroPoints (slots) zero points in code units; all 0 for symmetric schemes
 */
public record IntScales(float[] scales, int[] zeroPoints) {
    public IntScales {
        checkArgument(scales != null && zeroPoints != null && scales.length == zeroPoints.length,
                "Cannot build INT scales: scales and zero points must be non-null and of equal length");
    }

    /** Number of slots. */
    public int size() {
        return scales.length;
    }

    /**
     * Computes the scales of {@code scheme} from the data: per slot the range [min(x, 0), max(x, 0)].
     *
     * @param src (rows, cols) row-major
     */
    public static IntScales compute(float[] src, int rows, int cols, IntScheme scheme) {
        Shapes.checkHolds(src.length, rows, cols, "src");
        int slots = scheme.scaleCount(rows, cols);
        float[] mins = new float[slots]; // (slots) min(x, 0) per slot
        float[] maxs = new float[slots]; // (slots) max(x, 0) per slot
        if (scheme.granularity() == IntGranularity.PER_COLUMN) {
            // running column-wise min / max, one row at a time (contiguous, vectorizable)
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                for (int c = 0; c < cols; c++) {
                    float v = src[off + c];
                    mins[c] = Math.min(mins[c], v);
                    maxs[c] = Math.max(maxs[c], v);
                }
            }
        } else {
            int run = scheme.runLength(cols);
            for (int slot = 0; slot < slots; slot++) {
                int off = slot * run; // runs tile the block in row-major order
                float lo = 0f;
                float hi = 0f;
                for (int c = 0; c < run; c++) {
                    float v = src[off + c];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                mins[slot] = lo;
                maxs[slot] = hi;
            }
        }
        return ofRanges(mins, maxs, scheme);
    }

    /**
     * Scales from observed ranges (unclipped; the scheme's clip ratio is applied here). Each range is
     * widened to include 0 first.
     *
     * @param mins (slots) observed minima
     * @param maxs (slots) observed maxima
     */
    public static IntScales ofRanges(float[] mins, float[] maxs, IntScheme scheme) {
        checkArgument(mins.length == maxs.length, "Cannot compute INT scales: %d minima but %d maxima",
                mins.length, maxs.length);
        float[] scales = new float[mins.length]; // (slots)
        int[] zeros = new int[mins.length]; // (slots)
        float maxq = scheme.maxCode();
        float clip = scheme.clipRatio();
        for (int i = 0; i < mins.length; i++) {
            if (!Float.isFinite(mins[i]) || !Float.isFinite(maxs[i])) {
                checkArgument(false,
                        "Cannot compute INT scales: slot %d has a non-finite range [%s, %s] (check the input for "
                                + "NaN / Inf)", i, mins[i], maxs[i]);
            }
            float lo = clip * Math.min(mins[i], 0f);
            float hi = clip * Math.max(maxs[i], 0f);
            float s;
            if (scheme.symmetric()) {
                // s = clip · max|x| / maxq
                s = Math.max(-lo, hi) / maxq;
            } else {
                // zero range → [−1, +1]; s = (max − min) / (2^b − 1)
                if (lo == 0f && hi == 0f) {
                    lo = -1f;
                    hi = 1f;
                }
                s = (hi - lo) / maxq;
            }
            if (s == 0f) {
                s = 1f; // all-zero symmetric slot (or an underflowing range): avoid dividing by 0
            }
            s = Math.max(s, scheme.minScale());
            scales[i] = s;
            // z = rint(−min / s) ∈ [0, maxq] because min ≤ 0 ≤ max (a min-scale clamp only lowers it)
            zeros[i] = scheme.symmetric() ? 0 : (int) Math.rint(-lo / s);
        }
        return new IntScales(scales, zeros);
    }
}
