package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntGranularity;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;

/**
 * QuaRot's weight clip search (--w_clip, the GPTQ repo's Quantizer.find_params with mse=True): for every
 * scale slot of a symmetric INT scheme (an output channel, or a group along the input dim) pick the shrink
 * p = 1 − i / 100, i = 0 … 79 (1.00, 0.99, …, 0.21: grid 100, maxshrink 0.8, as
 * {@code range(int(maxshrink * grid))}) minimizing Σ |w − Q_p(w)|^2.4 over the slot. A later p replaces the
 * current best only if strictly better (torch's {@code err < best}), so ties keep the larger p.
 * Every candidate scale carries the weight floor {@link IntScheme#WEIGHT_MIN_SCALE}.
 *
 * <p>How it is fast and still exact. The plain search (one fake quantization of the whole matrix and one
 * {@code Math.pow} per weight per grid point) is kept in test scope and this class returns bit-identical
 * ratios, scales, quantized weights and error sums. Per slot (16 KB for a 4096-wide row, so it stays in L1):
 * <ol>
 *   <li>every grid point's sum is first computed with a table |Δ|^2.4 = Δ² · |Δ|^0.4 ({@link #approxPow24},
 *       relative error below 2e-9, bound taken as {@link #TOLERANCE} = 1e-6), with the codes and Δ computed
 *       exactly as the quantizer does, so each approximate sum A_i brackets the exact sum E_i:
 *       A_i (1 − tol) ≤ E_i ≤ A_i (1 + tol);</li>
 *   <li>a grid point is abandoned as soon as its partial lower bound exceeds the best upper bound so far
 *       (terms are ≥ 0, so partial sums only grow);</li>
 *   <li>only the points whose lower bound reaches the final best upper bound can hold the minimum; their
 *       exact sums (Math.pow, summed in index order as the plain search does) decide, earliest point on a
 *       tie. Typically 1 to 3 points per slot are summed exactly, plus p = 1 for the report.</li>
 * </ol>
 */
public final class WeightClipSearch {
    /** QuaRot's grid: p steps by 1 / GRID. */
    public static final int GRID = 100;
    /** QuaRot's maxshrink: the search covers p ∈ (1 − MAX_SHRINK, 1]. */
    public static final double MAX_SHRINK = 0.8;
    /** QuaRot's error norm. */
    public static final double NORM = 2.4;

    /** Relative bound used for the table sums (the table is accurate to ≈ 2e-9; 500× margin). */
    static final double TOLERANCE = 1e-6;

    /** Mantissa table resolution: m ∈ [1, 2) in 2^12 steps, linear interpolation between them. */
    private static final int MANTISSA_BITS = 12;
    private static final int FRACTION_BITS = 23 - MANTISSA_BITS;
    private static final double FRACTION_UNIT = Math.scalb(1.0, -FRACTION_BITS);
    private static final double[] MANTISSA_POW = new double[(1 << MANTISSA_BITS) + 1]; // m^0.4 at the knots
    /** 2^(0.4·(E − 127)) for every biased float exponent E = 1 … 254. */
    private static final double[] EXPONENT_POW = new double[256];
    /** 1.5 · 2^23: (y + M) − M rounds a float |y| < 2^22 to the nearest integer, ties to even (= rint). */
    private static final float RINT_MAGIC = 12582912f;
    /** How often (in elements) the early-abandon test runs. */
    private static final int ABANDON_STRIDE = 64;

    static {
        for (int k = 0; k < MANTISSA_POW.length; k++) {
            MANTISSA_POW[k] = Math.pow(1.0 + (double) k / (1 << MANTISSA_BITS), NORM - 2);
        }
        for (int e = 1; e <= 254; e++) {
            EXPONENT_POW[e] = Math.pow(2.0, (NORM - 2) * (e - 127));
        }
    }

    private WeightClipSearch() {
    }

    /** The shrink grid, in search order: 1.00, 0.99, …, 0.21 (80 values). */
    public static float[] shrinkGrid() {
        int n = (int) (MAX_SHRINK * GRID); // 80, as Python's int(0.8 * 100)
        float[] grid = new float[n];
        for (int i = 0; i < n; i++) {
            grid[i] = (float) (1.0 - (double) i / GRID);
        }
        return grid;
    }

    /**
     * Searches the clip ratio of every slot and fake-quantizes W with the chosen scales.
     *
     * @param weights (out, in) row-major, HF layout
     * @param scheme  symmetric, PER_ROW (per output channel) or PER_GROUP (groups along in); its own clip
     *                ratio is ignored and its scale floor replaced by the weight floor
     */
    public static WeightClipResult search(float[] weights, int out, int in, IntScheme scheme) {
        checkArgument(scheme.symmetric(), "Cannot search weight clip ratios for an asymmetric scheme: QuaRot's "
                + "weight search is symmetric (use a symmetric IntScheme)");
        checkArgument(scheme.granularity() != IntGranularity.PER_COLUMN,
                "Cannot search weight clip ratios per column: use PER_ROW (output channel) or PER_GROUP");
        checkArgument(out > 0 && in > 0 && weights.length >= Math.multiplyExact((long) out, in),
                "Cannot search weight clip ratios of a (%d, %d) matrix: the array holds %d floats", out, in,
                weights.length);
        IntScheme base = scheme.forWeights().withClipRatio(1f);
        int slots = base.scaleCount(out, in); // checks that groups tile the row
        int run = base.granularity() == IntGranularity.PER_ROW ? in : base.groupSize(); // slot i: [i·run, (i+1)·run)

        float[] grid = shrinkGrid();
        float[] quantized = new float[out * in]; // (out, in) Q_p(W) at each slot's chosen p
        float[] ratios = new float[slots]; // (slots) chosen p
        float[] scales = new float[slots]; // (slots) chosen scale
        double[] best = new double[slots]; // (slots) chosen Σ|w − Q_p(w)|^2.4
        double[] atFullRange = new double[slots]; // (slots) the same sum at p = 1
        SlotSearch search = new SlotSearch(grid, base);
        for (int slot = 0; slot < slots; slot++) {
            int off = slot * run;
            int chosen = search.run(weights, off, run, slot);
            ratios[slot] = grid[chosen];
            scales[slot] = search.scales[chosen];
            best[slot] = search.exact[chosen];
            atFullRange[slot] = search.exact[0];
            fakeQuantRun(weights, quantized, off, run, scales[slot], search.minCode, search.maxCode);
        }
        return new WeightClipResult(ratios, new IntScales(scales, new int[slots]), quantized, best, atFullRange);
    }

    /** Scratch and the three passes for one slot; reused across slots. */
    private static final class SlotSearch {
        private final float[] grid; // (points) shrinks p
        private final float maxq;
        private final float minScale;
        private final float minCode;
        private final float maxCode;
        private final float[] scales; // (points) candidate scale of the current slot
        private final double[] lower; // (points) lower bound of the exact sum, +∞ when abandoned
        private final double[] exact; // (points) exact sum, NaN when not computed
        private final float[] delta = new float[ABANDON_STRIDE]; // (stride) |Δ| of the current stride, unclamped
        private final float[] codes = new float[ABANDON_STRIDE]; // (stride) rint(w / s), unclamped
        private int previous; // grid index chosen for the previous slot (neighbouring slots are alike)

        SlotSearch(float[] grid, IntScheme scheme) {
            this.grid = grid;
            this.maxq = scheme.maxCode();
            this.minScale = scheme.minScale();
            this.minCode = scheme.minCode();
            this.maxCode = scheme.maxCode();
            this.scales = new float[grid.length];
            this.lower = new double[grid.length];
            this.exact = new double[grid.length];
        }

        /**
         * Returns the index of the chosen grid point of w[off, off+len); fills scales, exact[0] and
         * exact[chosen].
         */
        int run(float[] w, int off, int len, int slot) {
            // the slot's range, as IntScales.compute: [min(x, 0), max(x, 0)]
            float lo = 0f;
            float hi = 0f;
            for (int i = off; i < off + len; i++) {
                lo = Math.min(lo, w[i]);
                hi = Math.max(hi, w[i]);
            }
            checkArgument(Float.isFinite(lo) && Float.isFinite(hi),
                    "Cannot search the weight clip ratio of slot %d: its range [%s, %s] is not finite (check the "
                            + "weights for NaN / Inf)", slot, lo, hi);
            double bestUpper = Double.POSITIVE_INFINITY;
            // visit the previous slot's choice first, then its neighbours outward: a tight bound early lets
            // most points stop after a few strides (the candidate test below does not depend on this order)
            int start = previous;
            for (int step = 0; step < 2 * grid.length; step++) {
                int k = start + (step % 2 == 0 ? step / 2 : -(step + 1) / 2);
                if (k < 0 || k >= grid.length) {
                    continue;
                }
                float s = scale(grid[k], lo, hi);
                scales[k] = s;
                exact[k] = Double.NaN;
                double approx = approxSum(w, off, len, s, bestUpper);
                if (approx == Double.POSITIVE_INFINITY) {
                    lower[k] = Double.POSITIVE_INFINITY; // abandoned: provably above the best
                } else {
                    lower[k] = approx * (1 - TOLERANCE);
                    bestUpper = Math.min(bestUpper, approx * (1 + TOLERANCE));
                }
            }
            exact[0] = exactSum(w, off, len, scales[0]);
            int chosen = 0;
            for (int k = 1; k < grid.length; k++) {
                if (lower[k] <= bestUpper) { // may hold the minimum: decide with the exact sum
                    exact[k] = exactSum(w, off, len, scales[k]);
                    if (exact[k] < exact[chosen]) {
                        chosen = k;
                    }
                }
            }
            previous = chosen;
            return chosen;
        }

        /** s = p · max(−min, max) / maxq, zero → 1, floored, in IntScales.ofRanges' float order. */
        private float scale(float p, float lo, float hi) {
            float s = Math.max(-(p * lo), p * hi) / maxq;
            if (s == 0f) {
                s = 1f;
            }
            return Math.max(s, minScale);
        }

        /**
         * Table sum of |w − Q_s(w)|^2.4; +∞ as soon as the partial sum's lower bound exceeds {@code abandonAbove}.
         * Per stride of 64 elements: first the codes and |Δ| in a branch-free float loop without the clamp
         * (rint by the 1.5·2^23 trick, equal to Math.rint because |w / s| ≤ maxq / p < 2^22), then the table,
         * redoing |Δ| with the clamped code for the few clipped elements. Codes are the quantizer's own;
         * |Δ| in float is exact for unclipped elements (Sterbenz: w and its code value are within a factor 2,
         * or the code is 0) and within 2^−24 relative for clipped ones, so each term is within 2e-7 of
         * Math.pow's, inside {@link #TOLERANCE}.
         */
        private double approxSum(float[] w, int off, int len, float s, double abandonAbove) {
            double limit = abandonAbove / (1 - TOLERANCE);
            double sum = 0;
            int end = off + len;
            float lo = minCode;
            float hi = maxCode;
            for (int start = off; start < end; start += ABANDON_STRIDE) {
                int n = Math.min(end - start, ABANDON_STRIDE);
                for (int i = 0; i < n; i++) { // straight-line float code: no clamp, so the JIT can unroll it
                    float v = w[start + i];
                    float q = (v / s + RINT_MAGIC) - RINT_MAGIC;
                    codes[i] = q;
                    delta[i] = Math.abs(v - q * s);
                }
                for (int i = 0; i < n; i++) {
                    float q = codes[i];
                    float d = delta[i];
                    if (q > hi || q < lo) { // clipped (rare): the clamped code's error
                        d = Math.abs(w[start + i] - Math.min(Math.max(q, lo), hi) * s);
                    }
                    sum += approxPow24(d);
                }
                if (sum > limit) {
                    return Double.POSITIVE_INFINITY;
                }
            }
            return sum;
        }

        /** Σ Math.pow(|w − Q_s(w)|, 2.4) in index order: the plain search's number, bit for bit. */
        private double exactSum(float[] w, int off, int len, float s) {
            double sum = 0;
            for (int i = off; i < off + len; i++) {
                float q = (float) Math.rint(w[i] / s);
                float x = Math.min(Math.max(q, minCode), maxCode) * s;
                sum += Math.pow(Math.abs((double) w[i] - x), NORM);
            }
            return sum;
        }
    }

    /**
     * |a|^2.4 for a float a ≥ 0 as a² · 2^(0.4·e) · m^0.4 with a = m · 2^e, m ∈ [1, 2): the power of the
     * exponent from a table, the mantissa's by linear interpolation in a 4097-knot table (m^0.4 is concave with
     * |f''| ≤ 0.24, so the interpolation error is ≤ 0.24 · 2^−24 / 8 ≈ 1.8e-9 relative). Float subnormals
     * and ±Inf go to Math.pow.
     */
    static double approxPow24(float a) {
        int bits = Float.floatToRawIntBits(a) & 0x7FFFFFFF;
        int biased = bits >>> 23;
        if (biased == 0 || biased == 0xFF) {
            return Math.pow(Math.abs(a), NORM); // zero, subnormal, Inf, NaN
        }
        int knot = (bits >>> FRACTION_BITS) & ((1 << MANTISSA_BITS) - 1);
        double fraction = (bits & ((1 << FRACTION_BITS) - 1)) * FRACTION_UNIT;
        double m = MANTISSA_POW[knot] + fraction * (MANTISSA_POW[knot + 1] - MANTISSA_POW[knot]);
        double d = a;
        return d * d * m * EXPONENT_POW[biased];
    }

    /** dst[off, off+len) = clamp(rint(src / s), lo, hi) · s, as IntQuantizer does. */
    private static void fakeQuantRun(float[] src, float[] dst, int off, int len, float s, float lo, float hi) {
        for (int i = off; i < off + len; i++) {
            float q = (float) Math.rint(src[i] / s);
            dst[i] = Math.min(Math.max(q, lo), hi) * s;
        }
    }
}
