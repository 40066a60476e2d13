package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

import java.util.Arrays;

/**
 * x ← x · H_n for every row of a block, in O(n·(m + K)) per row instead of O(n²), H_n = H_K ⊗ H_{2^m}.
 *
 * <p>Split a row into K contiguous chunks of length M = 2^m, index i = a·M + b. Then
 * (x · (H_K ⊗ H_M))[a'·M + b'] = Σ_a H_K[a, a'] · Σ_b x[a·M + b] · H_M[b, b']:
 * <ol>
 *   <li>an in-place butterfly Walsh–Hadamard transform of each chunk (the inner sum, y_a = x_a · H_M), then</li>
 *   <li>mixing the chunks with the dense K×K matrix: out_{a'} = Σ_a H_K[a, a'] · y_a, as K² chunk-wide
 *       add/subtract loops (the outer sum).</li>
 * </ol>
 * The unnormalized transform of integer rows is exact while every |value| stays below 2^24 (float) or 2^53
 * (double); values grow by at most a factor n.
 *
 * <p>An instance holds a scratch row and is <b>not thread-safe</b>: use one instance per thread (they are cheap).
 */
public final class FastHadamardTransform {
    private final HadamardOrder order;
    private final int n;
    private final int k;
    private final int chunk;           // M = 2^m
    private final byte[] hkT;          // (k, k) row-major, entries ±1: H_Kᵀ, so row a' lists H_K[a, a'] over a
    private float[] floatScratch;      // (n) mixing output, allocated on first float use
    private double[] doubleScratch;    // (n) mixing output, allocated on first double use

    public FastHadamardTransform(int n) {
        this.order = HadamardOrder.of(n);
        this.n = n;
        this.k = order.k();
        this.chunk = order.twoPower();
        byte[] hk = Hadamard.cachedBase(k); // (k, k) row-major
        this.hkT = new byte[k * k];
        for (int a = 0; a < k; a++) {
            for (int a2 = 0; a2 < k; a2++) {
                hkT[a2 * k + a] = hk[a * k + a2];
            }
        }
    }

    public HadamardOrder order() {
        return order;
    }

    /** In place: each of the nRows rows of {@code rows} ((nRows, n) row-major) becomes x · H_n (unnormalized). */
    public void apply(float[] rows, int nRows) {
        checkBlock(rows.length, nRows);
        for (int r = 0; r < nRows; r++) {
            transformRow(rows, r * n);
        }
    }

    /** In place: x ← x · H_n / √n, an orthogonal transform. rows: (nRows, n) row-major. */
    public void applyNormalized(float[] rows, int nRows) {
        checkBlock(rows.length, nRows);
        float scale = (float) (1.0 / Math.sqrt(n));
        for (int r = 0; r < nRows; r++) {
            int off = r * n;
            transformRow(rows, off);
            for (int i = off; i < off + n; i++) {
                rows[i] *= scale;
            }
        }
    }

    /** In place: each row x ← x · H_n (unnormalized). rows: (nRows, n) row-major. */
    public void apply(double[] rows, int nRows) {
        checkBlock(rows.length, nRows);
        for (int r = 0; r < nRows; r++) {
            transformRow(rows, r * n);
        }
    }

    /** In place: x ← x · H_n / √n. rows: (nRows, n) row-major. */
    public void applyNormalized(double[] rows, int nRows) {
        checkBlock(rows.length, nRows);
        double scale = 1.0 / Math.sqrt(n);
        for (int r = 0; r < nRows; r++) {
            int off = r * n;
            transformRow(rows, off);
            for (int i = off; i < off + n; i++) {
                rows[i] *= scale;
            }
        }
    }

    private void checkBlock(int length, int nRows) {
        checkArgument(nRows >= 0 && (long) nRows * n <= length,
                "Cannot transform %d rows of length %d: the array holds %d values", nRows, n, length);
    }

    // ---- float kernel

    private void transformRow(float[] x, int off) {
        for (int a = 0; a < k; a++) {
            walshHadamard(x, off + a * chunk, chunk);
        }
        if (k > 1) {
            mixChunks(x, off);
        }
    }

    // y ← y · H_M on y = x[start, start + len): log2(len) butterfly stages (u, v) → (u + v, u − v)
    private static void walshHadamard(float[] x, int start, int len) {
        for (int half = 1; half < len; half <<= 1) {
            for (int block = start; block < start + len; block += 2 * half) {
                for (int i = block; i < block + half; i++) {
                    float u = x[i];
                    float v = x[i + half];
                    x[i] = u + v;
                    x[i + half] = u - v;
                }
            }
        }
    }

    // out_{a'} = Σ_a H_K[a, a'] · y_a over chunks of length M, then copied back into the row
    private void mixChunks(float[] x, int off) {
        if (floatScratch == null) {
            floatScratch = new float[n];
        }
        float[] out = floatScratch; // (k, M) row-major
        Arrays.fill(out, 0f);
        for (int a2 = 0; a2 < k; a2++) {
            int dst = a2 * chunk; // output chunk a2 stays in L1 while the K input chunks stream past
            for (int a = 0; a < k; a++) {
                int src = off + a * chunk;
                if (hkT[a2 * k + a] > 0) {
                    for (int j = 0; j < chunk; j++) {
                        out[dst + j] += x[src + j];
                    }
                } else {
                    for (int j = 0; j < chunk; j++) {
                        out[dst + j] -= x[src + j];
                    }
                }
            }
        }
        System.arraycopy(out, 0, x, off, n);
    }

    // ---- double kernel (same steps)

    private void transformRow(double[] x, int off) {
        for (int a = 0; a < k; a++) {
            walshHadamard(x, off + a * chunk, chunk);
        }
        if (k > 1) {
            mixChunks(x, off);
        }
    }

    private static void walshHadamard(double[] x, int start, int len) {
        for (int half = 1; half < len; half <<= 1) {
            for (int block = start; block < start + len; block += 2 * half) {
                for (int i = block; i < block + half; i++) {
                    double u = x[i];
                    double v = x[i + half];
                    x[i] = u + v;
                    x[i + half] = u - v;
                }
            }
        }
    }

    private void mixChunks(double[] x, int off) {
        if (doubleScratch == null) {
            doubleScratch = new double[n];
        }
        double[] out = doubleScratch; // (k, M) row-major
        Arrays.fill(out, 0.0);
        for (int a2 = 0; a2 < k; a2++) {
            int dst = a2 * chunk; // output chunk a2 stays in L1 while the K input chunks stream past
            for (int a = 0; a < k; a++) {
                int src = off + a * chunk;
                if (hkT[a2 * k + a] > 0) {
                    for (int j = 0; j < chunk; j++) {
                        out[dst + j] += x[src + j];
                    }
                } else {
                    for (int j = 0; j < chunk; j++) {
                        out[dst + j] -= x[src + j];
                    }
                }
            }
        }
        System.arraycopy(out, 0, x, off, n);
    }
}
