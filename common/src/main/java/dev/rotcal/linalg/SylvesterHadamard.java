package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

/**
 * Sylvester's Hadamard matrices of order 2^m: H_1 = [1], H_{2s} = [[H_s, H_s], [H_s, −H_s]], so that
 * H[i, j] = (−1)^{popcount(i AND j)}. They are symmetric and H·H = 2^m·I; x·H is the Walsh–Hadamard transform.
 */
public final class SylvesterHadamard {
    private SylvesterHadamard() {
    }

    /** Entry (i, j) of the Sylvester matrix of any power-of-two order larger than i and j. */
    public static byte entry(int i, int j) {
        return (byte) (1 - 2 * (Integer.bitCount(i & j) & 1));
    }

    /** Row i of the order-{@code size} matrix into {@code dst[offset .. offset + size)}. */
    public static void row(int size, int i, byte[] dst, int offset) {
        for (int j = 0; j < size; j++) {
            dst[offset + j] = entry(i, j);
        }
    }

    /** (size, size) row-major, entries ±1; size must be a power of two. */
    public static byte[] matrix(int size) {
        checkArgument(size > 0 && Integer.bitCount(size) == 1,
                "Cannot build a Sylvester Hadamard matrix of order %d: the order must be a power of two", size);
        byte[] h = new byte[Math.multiplyExact(size, size)]; // (size, size) row-major, entries ±1
        for (int i = 0; i < size; i++) {
            row(size, i, h, i * size);
        }
        return h;
    }
}
