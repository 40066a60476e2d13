package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test-side exact (integer) checks that a ±1 matrix H of order n satisfies Hᵀ·H = n·I.
 *
 * <p>{@link #assertHadamard} forms the full Gram matrix in long arithmetic, O(n³): fine up to a few thousand.
 *
 * <p>{@link #assertStreamedHadamard} is for the LLM orders (up to 28672, whose matrix alone is 822 MB). With
 * H = H_K ⊗ H_M claimed, M = 2^m, it streams the actual rows of H and peels off the Sylvester factor:
 * P = H · (I_K ⊗ H_M), computed exactly by an integer Walsh–Hadamard transform of each length-M chunk of each
 * row. Since (I_K ⊗ H_M)² = M·I, the map is invertible and
 * Hᵀ·H = n·I  ⇔  Pᵀ·P = (I ⊗ H_M)ᵀ · Hᵀ·H · (I ⊗ H_M) = n·M·I.
 * The check verifies, for every row r = a·M + b of H, that row r of P vanishes outside the columns
 * {a'·M + b}; then Pᵀ·P is block diagonal with one K×K block per b, G_b = Σ_{r ≡ b} v_r·v_rᵀ (v_r the K
 * surviving entries), and every G_b is compared with n·M·I_K. All arithmetic is int/long, so the check is
 * exact, covers every entry of H, and costs O(n²·m + n·K²) instead of O(n³).
 */
final class ExactHadamardCheck {
    /** Fills dst ((count, n) row-major) with rows [first, first + count) of the matrix under test. */
    interface RowSource {
        void rows(int first, int count, byte[] dst);
    }

    private ExactHadamardCheck() {
    }

    /** Hᵀ·H in long arithmetic: (n, n) row-major. */
    static long[] gram(byte[] h, int n) {
        long[] g = new long[n * n];
        for (int r = 0; r < n; r++) {
            int row = r * n;
            for (int i = 0; i < n; i++) {
                long hi = h[row + i];
                int gi = i * n;
                for (int j = 0; j < n; j++) {
                    g[gi + j] += hi * h[row + j];
                }
            }
        }
        return g;
    }

    static void assertHadamard(byte[] h, int n, String what) {
        assertThat(h).as("%s: an (n, n) array", what).hasSize(n * n);
        for (int i = 0; i < h.length; i++) {
            assertThat(Math.abs(h[i])).as("%s: entry %d is ±1", what, i).isEqualTo(1);
        }
        long[] g = gram(h, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertThat(g[i * n + j]).as("%s: (HᵀH)[%d, %d] = n·δ_ij exactly", what, i, j)
                        .isEqualTo(i == j ? n : 0L);
            }
        }
    }

    /** y ← y · H_M on ints, in place on [start, start + len), len a power of two. */
    static void walshHadamard(int[] y, int start, int len) {
        for (int half = 1; half < len; half <<= 1) {
            for (int block = start; block < start + len; block += 2 * half) {
                for (int i = block; i < block + half; i++) {
                    int u = y[i];
                    int v = y[i + half];
                    y[i] = u + v;
                    y[i + half] = u - v;
                }
            }
        }
    }

    /** The peeled-Sylvester exact check described in the class comment; returns the number of rows checked. */
    static long assertStreamedHadamard(int n, RowSource source, String what) {
        HadamardOrder order = HadamardOrder.of(n);
        int k = order.k();
        int chunk = order.twoPower();
        long[] blocks = new long[Math.multiplyExact(chunk, k * k)]; // (M, K, K): G_b for each b
        int blockRows = Math.max(1, (1 << 21) / n);
        byte[] h = new byte[blockRows * n]; // (blockRows, n) row-major slice of H
        int[] p = new int[n];               // one row of P
        long[] v = new long[k];
        long checked = 0;
        for (int first = 0; first < n; first += blockRows) {
            int count = Math.min(blockRows, n - first);
            source.rows(first, count, h);
            for (int r = 0; r < count; r++) {
                int row = first + r;
                int b = row % chunk;
                int off = r * n;
                for (int i = 0; i < n; i++) {
                    if (h[off + i] != 1 && h[off + i] != -1) {
                        assertThat((int) h[off + i]).as("%s: entry (%d, %d) is ±1", what, row, i).isIn(1, -1);
                    }
                    p[i] = h[off + i];
                }
                for (int a = 0; a < k; a++) {
                    walshHadamard(p, a * chunk, chunk);
                }
                for (int a = 0; a < k; a++) {
                    for (int j = 0; j < chunk; j++) {
                        if (j != b && p[a * chunk + j] != 0) {
                            assertThat(p[a * chunk + j])
                                    .as("%s: row %d of H·(I⊗H_M) vanishes off columns ≡ %d mod %d", what, row, b,
                                            chunk)
                                    .isZero();
                        }
                    }
                    v[a] = p[a * chunk + b];
                }
                int g = b * k * k;
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        blocks[g + i * k + j] += v[i] * v[j];
                    }
                }
                checked++;
            }
        }
        long expected = (long) n * chunk;
        for (int b = 0; b < chunk; b++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    long value = blocks[b * k * k + i * k + j];
                    if (value != (i == j ? expected : 0L)) {
                        assertThat(value).as("%s: block %d of PᵀP at (%d, %d) equals n·M·δ_ij", what, b, i, j)
                                .isEqualTo(i == j ? expected : 0L);
                    }
                }
            }
        }
        return checked;
    }

    /** Plain reference x · H for one row: out[j] = Σ_i x[i]·H[i, j], in double. h: (n, n) row-major. */
    static double[] times(double[] x, byte[] h, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            int row = i * n;
            for (int j = 0; j < n; j++) {
                out[j] += xi * h[row + j];
            }
        }
        return out;
    }
}
