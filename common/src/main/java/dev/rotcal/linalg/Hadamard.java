package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Hadamard matrices H (entries ±1, Hᵀ·H = n·I) of the orders in {@link HadamardOrder}, as byte arrays.
 *
 * <p>matrix(n) = H_K ⊗ H_{2^m} with the K-factor outer: entry (a·2^m + b, a'·2^m + b') is
 * H_K[a, a'] · H_{2^m}[b, b'], where H_{2^m} is Sylvester's matrix. The base matrices H_K come from
 * <ul>
 *   <li>Paley I over GF(q), order q + 1: 12 (q = 11), 20 (19), 60 (59), 108 (107), 140 (139);</li>
 *   <li>Paley II over GF(q), order 2(q + 1): 28 (q = 13), 36 (17), 52 (25 = 5²), 148 (73);</li>
 *   <li>Kronecker: 40 = H_2 ⊗ H_20;</li>
 *   <li>Williamson: 156 (m = 39), 172 (m = 43), from Sloane's library.</li>
 * </ul>
 * 28 also has a Paley I construction over GF(27) ({@link #base28PaleyI}); base(28) uses Paley II over GF(13).
 */
public final class Hadamard {
    private static final ConcurrentMap<Integer, byte[]> BASES = new ConcurrentHashMap<>();

    private Hadamard() {
    }

    /** H_K: (k, k) row-major, entries ±1, for k in {@link HadamardOrder#SUPPORTED_K}. A fresh copy. */
    public static byte[] base(int k) {
        checkArgument(HadamardOrder.SUPPORTED_K.contains(k),
                "Cannot build a Hadamard base matrix of order %d: not a supported K (supported: %s)", k,
                HadamardOrder.SUPPORTED_K);
        return cachedBase(k).clone();
    }

    /** The alternative order-28 base, Paley I over GF(27) = GF(3)[x]/(f): (28, 28) row-major, entries ±1. */
    public static byte[] base28PaleyI() {
        return PaleyHadamard.paleyI(27);
    }

    /** H_n = H_K ⊗ H_{2^m}: (n, n) row-major, entries ±1. Needs n² bytes; see {@link #rows} for large n. */
    public static byte[] matrix(int n) {
        HadamardOrder order = HadamardOrder.of(n);
        checkArgument((long) n * n <= Integer.MAX_VALUE - 8,
                "Cannot build a Hadamard matrix of order %d: %d² entries exceed one Java array (use rows(...))", n, n);
        byte[] h = new byte[n * n]; // (n, n) row-major, entries ±1
        fillRows(order, 0, n, h);
        return h;
    }

    /**
     * Rows [firstRow, firstRow + rowCount) of H_n into {@code dst} ((rowCount, n) row-major, entries ±1), so that
     * large orders can be streamed without materializing n² entries.
     */
    public static void rows(int n, int firstRow, int rowCount, byte[] dst) {
        HadamardOrder order = HadamardOrder.of(n);
        checkArgument(firstRow >= 0 && rowCount >= 0 && (long) firstRow + rowCount <= n,
                "Cannot copy rows [%d, %d + %d) of the order-%d Hadamard matrix: out of range", firstRow, firstRow,
                rowCount, n);
        checkArgument(dst.length >= (long) rowCount * n,
                "Cannot copy %d rows of the order-%d Hadamard matrix: dst holds %d bytes, needs %d", rowCount, n,
                dst.length, (long) rowCount * n);
        fillRows(order, firstRow, rowCount, dst);
    }

    /** Kronecker product A ⊗ B: (na·nb, na·nb) row-major from (na, na) and (nb, nb) row-major ±1 matrices. */
    public static byte[] kronecker(byte[] a, int na, byte[] b, int nb) {
        int n = Math.multiplyExact(na, nb);
        byte[] out = new byte[Math.multiplyExact(n, n)]; // (na·nb, na·nb) row-major
        for (int i = 0; i < na; i++) {
            for (int k = 0; k < nb; k++) {
                int row = (i * nb + k) * n;
                for (int j = 0; j < na; j++) {
                    int s = a[i * na + j];
                    for (int l = 0; l < nb; l++) {
                        out[row + j * nb + l] = (byte) (s * b[k * nb + l]);
                    }
                }
            }
        }
        return out;
    }

    // row a·2^m + b is the concatenation over a' of H_K[a, a'] · (row b of Sylvester's H_{2^m})
    private static void fillRows(HadamardOrder order, int firstRow, int rowCount, byte[] dst) {
        int n = order.n();
        int k = order.k();
        int chunk = order.twoPower();
        byte[] hk = cachedBase(k);         // (k, k) row-major, entries ±1
        byte[] sylvesterRow = new byte[chunk]; // (chunk) row b of H_{2^m}
        for (int r = 0; r < rowCount; r++) {
            int row = firstRow + r;
            int a = row / chunk;
            int b = row % chunk;
            SylvesterHadamard.row(chunk, b, sylvesterRow, 0);
            int out = r * n;
            for (int a2 = 0; a2 < k; a2++) {
                byte s = hk[a * k + a2];
                for (int j = 0; j < chunk; j++) {
                    dst[out + a2 * chunk + j] = (byte) (s * sylvesterRow[j]);
                }
            }
        }
    }

    /** The shared (k, k) base matrix; callers inside the package must not modify it. */
    static byte[] cachedBase(int k) {
        return BASES.computeIfAbsent(k, Hadamard::buildBase);
    }

    private static byte[] buildBase(int k) {
        byte[] h = switch (k) {
            case 1 -> new byte[] {1};
            case 12 -> PaleyHadamard.paleyI(11);
            case 20 -> PaleyHadamard.paleyI(19);
            case 28 -> PaleyHadamard.paleyII(13);
            case 36 -> PaleyHadamard.paleyII(17);
            case 40 -> kronecker(SylvesterHadamard.matrix(2), 2, PaleyHadamard.paleyI(19), 20);
            case 52 -> PaleyHadamard.paleyII(25);
            case 60 -> PaleyHadamard.paleyI(59);
            case 108 -> PaleyHadamard.paleyI(107);
            case 140 -> PaleyHadamard.paleyI(139);
            case 148 -> PaleyHadamard.paleyII(73);
            case 156 -> WilliamsonHadamard.fromResource(39);
            case 172 -> WilliamsonHadamard.fromResource(43);
            default -> throw new IllegalArgumentException("Cannot build a Hadamard base matrix of order " + k
                    + ": not a supported K (supported: " + HadamardOrder.SUPPORTED_K + ")");
        };
        checkState(h.length == k * k, "base %d built with %d entries", k, h.length);
        return h;
    }
}
