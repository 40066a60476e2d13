package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.RandomOrthogonal;
import java.util.Arrays;

/**
 * Which rows are "massive" and get up-weighted by α (reference/DFROT.md, "Which rows are massive"). Three
 * rules; each returns one flag per row:
 * <ol>
 *   <li>{@link #byNrError NR error} (LLaMA, Qwen): e = ‖x − Q(x)‖₂ of the un-rotated normalized row is below
 *       a threshold. A massive row's energy sits in 1–2 channels that 4-bit max-abs represents well, the rest
 *       rounds to 0, so e is tiny; common rows with outlier channels have e in the tens. DFRot's threshold
 *       is 8.5 at ‖x‖ = 64; here it is relative to ‖x‖ ≈ √d: threshold = {@code errorPerSqrtD} · √d.</li>
 *   <li>{@link #byRandomRotation RO vs NR} (Mistral): a random orthogonal rotation does not help the row,
 *       e(x·RO) ≥ e(x).</li>
 *   <li>{@link #byMagnitude magnitude} (Sun et al.), on residual-stream rows h: some |h_j| &gt; 100 and
 *       &gt; 1000 × the row's median |h|.</li>
 * </ol>
 */
public final class MassiveRowDetector {
    /** DFRot's NR-error threshold 8.5 at ‖x‖ = 64, as a fraction of √d. */
    public static final double DEFAULT_ERROR_PER_SQRT_D = 8.5 / 64;
    /** Sun et al.: a massive activation exceeds 100 ... */
    public static final double DEFAULT_MAGNITUDE_FLOOR = 100;
    /** ... and 1000× the median magnitude. */
    public static final double DEFAULT_MAGNITUDE_RATIO = 1000;

    private MassiveRowDetector() {
    }

    /** Rule (a) on a scanned row: NR error below {@code errorPerSqrtD} · √d. */
    public static boolean isMassiveByNrError(RowStatistics stats, int d, double errorPerSqrtD) {
        return stats.nrError() < errorPerSqrtD * Math.sqrt(d);
    }

    /**
     * Rule (a): e(x) &lt; errorPerSqrtD · √d.
     *
     * @param rows (nRows, d) row-major normalized rows
     */
    public static boolean[] byNrError(float[] rows, int nRows, int d, double errorPerSqrtD) {
        checkArgument(errorPerSqrtD > 0, "Cannot detect massive rows with NR-error threshold %s·√d: must be > 0",
                errorPerSqrtD);
        double threshold = errorPerSqrtD * Math.sqrt(d);
        double[] errors = LossQuantizer.rowErrors(rows, nRows, d);
        boolean[] massive = new boolean[nRows];
        for (int i = 0; i < nRows; i++) {
            massive[i] = errors[i] < threshold;
        }
        return massive;
    }

    /**
     * Rule (b) with a fresh Haar random orthogonal RO drawn from {@code seed}
     * ({@link RandomOrthogonal#matrix}).
     *
     * @param rows (nRows, d) row-major normalized rows
     */
    public static boolean[] byRandomRotation(float[] rows, int nRows, int d, long seed) {
        return byRandomRotation(rows, nRows, d, RandomOrthogonal.matrix(d, seed));
    }

    /**
     * Rule (b): e(x·RO) ≥ e(x) for a random orthogonal RO.
     *
     * @param rows (nRows, d) row-major normalized rows
     * @param ro   (d, d) row-major orthogonal matrix
     */
    public static boolean[] byRandomRotation(float[] rows, int nRows, int d, double[] ro) {
        checkArgument(ro.length == Math.multiplyExact(d, d),
                "Cannot rotate rows of width %d: the rotation holds %d values, not d² = %d", d, ro.length, d * d);
        double[] plain = LossQuantizer.rowErrors(rows, nRows, d);
        float[] rotated = FloatGemm.multiply(rows, nRows, d, FloatGemm.toFloat(ro), d); // (nRows, d) = x·RO
        double[] spread = LossQuantizer.rowErrors(rotated, nRows, d);
        boolean[] massive = new boolean[nRows];
        for (int i = 0; i < nRows; i++) {
            massive[i] = spread[i] >= plain[i];
        }
        return massive;
    }

    /**
     * Rule (c): max_j |h_j| &gt; floor and &gt; ratio × median_j |h_j|, on residual-stream rows. The median
     * is the row's own (a function of the row alone, so the rule does not depend on how rows are blocked).
     *
     * @param residualRows (nRows, d) row-major residual-stream rows h (not normalized)
     */
    public static boolean[] byMagnitude(float[] residualRows, int nRows, int d, double floor, double ratio) {
        checkArgument(floor >= 0 && ratio > 0,
                "Cannot detect massive rows with magnitude floor %s and ratio %s: need floor >= 0, ratio > 0", floor,
                ratio);
        checkArgument(residualRows.length >= Math.multiplyExact(nRows, d),
                "Cannot scan %d rows of width %d: the array holds %d floats", nRows, d, residualRows.length);
        boolean[] massive = new boolean[nRows];
        float[] magnitudes = new float[d]; // (d) |h| of one row
        for (int i = 0; i < nRows; i++) {
            float max = 0f;
            for (int j = 0; j < d; j++) {
                magnitudes[j] = Math.abs(residualRows[i * d + j]);
                max = Math.max(max, magnitudes[j]);
            }
            // the median costs a sort: only rows past the floor need it
            massive[i] = max > floor && max > ratio * median(magnitudes);
        }
        return massive;
    }

    /** Median of the values (mean of the two middle ones for an even count); sorts the array. */
    static double median(float[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : 0.5 * ((double) values[n / 2 - 1] + values[n / 2]);
    }
}
