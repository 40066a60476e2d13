package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

import java.util.List;

/**
 * A Hadamard order n = K · 2^m that rotcal can build: H_n = H_K ⊗ H_{2^m} with H_K a base matrix
 * ({@link Hadamard#base}) and H_{2^m} Sylvester's.
 *
 * <p>When n has several such factorizations, K is chosen in QuaRot's priority order 172, 156, 148, 140, 108,
 * 60, 52, 36, 28, 40, 20, 12, then 1 (so 5120 → 40·128 rather than 20·256, 11008 → 172·64).
 *
 * @param n the order
 * @param k the base order K, one of {@link #SUPPORTED_K}
 * @param m the power of two: n = k · 2^m
 */
public record HadamardOrder(int n, int k, int m) {
    /** Base orders with a bundled construction, ascending. */
    public static final List<Integer> SUPPORTED_K = List.of(1, 12, 20, 28, 36, 40, 52, 60, 108, 140, 148, 156, 172);

    /** The order in which {@link #of} tries the base orders (QuaRot's get_hadK, plus DFRot's 148). */
    private static final List<Integer> PRIORITY = List.of(172, 156, 148, 140, 108, 60, 52, 36, 28, 40, 20, 12, 1);

    private static final String SUPPORTED = "supported: K·2^m with K in {1, 12, 20, 28, 36, 40, 52, 60, 108, 140, "
            + "148, 156, 172}";

    public HadamardOrder {
        checkArgument(SUPPORTED_K.contains(k) && m >= 0 && m < 31 && (long) k << m == n,
                "Cannot build a Hadamard matrix of order %d: K = %d, m = %d is not a factorization n = K·2^m "
                        + "with a supported K (%s)", n, k, m, SUPPORTED);
    }

    /** The factorization of n, or IllegalArgumentException naming n and the supported set. */
    public static HadamardOrder of(int n) {
        checkArgument(n > 0, "Cannot build a Hadamard matrix of order %d: the order must be positive (%s)", n,
                SUPPORTED);
        for (int k : PRIORITY) {
            if (n % k == 0 && Integer.bitCount(n / k) == 1) {
                return new HadamardOrder(n, k, Integer.numberOfTrailingZeros(n / k));
            }
        }
        int oddPart = n >> Integer.numberOfTrailingZeros(n);
        throw new IllegalArgumentException(String.format(
                "Cannot build a Hadamard matrix of order %d: %d = %d·2^%d and no supported K has odd part %d (%s)",
                n, n, oddPart, Integer.numberOfTrailingZeros(n), oddPart, SUPPORTED));
    }

    /** 2^m, the length of each of the K contiguous chunks the fast transform works on. */
    public int twoPower() {
        return 1 << m;
    }
}
