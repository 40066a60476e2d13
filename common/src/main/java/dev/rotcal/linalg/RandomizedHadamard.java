package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

import java.util.SplittableRandom;

/**
 * The randomized Hadamard rotation R = D · H_n / √n (QuaRot/QuIP#), D = diag(d) with random signs d_i = ±1.
 * R is orthogonal: Rᵀ·R = H·D·D·H / n = Hᵀ·H / n = I. Row-vector convention: a rotated row is x · R.
 *
 * <p>The signs are drawn from {@code new SplittableRandom(seed)}, one {@code nextBoolean()} per index in order,
 * so a seed names the rotation on every machine and JVM.
 */
public final class RandomizedHadamard {
    private RandomizedHadamard() {
    }

    /** The diagonal of D: (n) entries ±1 from SplittableRandom(seed). */
    public static double[] signs(int n, long seed) {
        checkArgument(n > 0, "Cannot draw %d random signs: n must be positive", n);
        SplittableRandom random = new SplittableRandom(seed);
        double[] d = new double[n]; // (n) entries ±1
        for (int i = 0; i < n; i++) {
            d[i] = random.nextBoolean() ? 1.0 : -1.0;
        }
        return d;
    }

    /** R = D · H / √n: (n, n) row-major, orthogonal; row i of H scaled by d_i / √n. */
    public static double[] matrix(int n, long seed) {
        HadamardOrder.of(n);
        checkArgument((long) n * n <= Integer.MAX_VALUE - 8,
                "Cannot build the randomized Hadamard matrix of order %d: %d² entries exceed one Java array", n, n);
        double[] d = signs(n, seed);
        double scale = 1.0 / Math.sqrt(n);
        double[] r = new double[n * n];           // (n, n) row-major
        int blockRows = Math.max(1, Math.min(n, (1 << 20) / n));
        byte[] h = new byte[blockRows * n];        // (blockRows, n) row-major slice of H, entries ±1
        for (int first = 0; first < n; first += blockRows) {
            int count = Math.min(blockRows, n - first);
            Hadamard.rows(n, first, count, h);
            for (int i = 0; i < count; i++) {
                double rowScale = d[first + i] * scale;
                int src = i * n;
                int dst = (first + i) * n;
                for (int j = 0; j < n; j++) {
                    r[dst + j] = rowScale * h[src + j];
                }
            }
        }
        return r;
    }

    /**
     * In place: each row x of {@code rows} ((nRows, n) row-major) becomes x · D · H / √n, i.e. scaled element-wise
     * by the signs and then fast-transformed, O(n·(log n + K)) per row. Allocates its transform and signs per call.
     */
    public static void apply(float[] rows, int nRows, int n, long seed) {
        FastHadamardTransform transform = new FastHadamardTransform(n);
        checkArgument(nRows >= 0 && (long) nRows * n <= rows.length,
                "Cannot rotate %d rows of length %d: the array holds %d values", nRows, n, rows.length);
        double[] d = signs(n, seed);
        for (int r = 0; r < nRows; r++) {
            int off = r * n;
            for (int i = 0; i < n; i++) {
                rows[off + i] *= (float) d[i]; // (x · D)_i = x_i · d_i
            }
        }
        transform.applyNormalized(rows, nRows);
    }

    /** Double version of {@link #apply(float[], int, int, long)}. */
    public static void apply(double[] rows, int nRows, int n, long seed) {
        FastHadamardTransform transform = new FastHadamardTransform(n);
        checkArgument(nRows >= 0 && (long) nRows * n <= rows.length,
                "Cannot rotate %d rows of length %d: the array holds %d values", nRows, n, rows.length);
        double[] d = signs(n, seed);
        for (int r = 0; r < nRows; r++) {
            int off = r * n;
            for (int i = 0; i < n; i++) {
                rows[off + i] *= d[i];
            }
        }
        transform.applyNormalized(rows, nRows);
    }
}
