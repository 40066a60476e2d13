package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

/**
 * Paley's Hadamard matrices over GF(q), q an odd prime power.
 *
 * <p>Both start from the Jacobsthal matrix Q[i, j] = χ(x_i − x_j) over the field elements x_0..x_{q−1}, with
 * χ the quadratic character. Q has zero diagonal, Q·Qᵀ = q·I − J and Q·1 = 0; it is skew-symmetric when
 * q ≡ 3 (mod 4) (χ(−1) = −1) and symmetric when q ≡ 1 (mod 4).
 * <ul>
 *   <li>Paley I, q ≡ 3 (mod 4): S = [[0, 1ᵀ], [−1, Q]] is skew with S·Sᵀ = q·I, so H = I + S
 *       has order q + 1.</li>
 *   <li>Paley II, q ≡ 1 (mod 4): C = [[0, 1ᵀ], [1, Q]] is a symmetric conference matrix (C·Cᵀ = q·I), and
 *       H = C ⊗ [[1, 1], [1, −1]] + I ⊗ [[1, −1], [−1, −1]] has order 2(q + 1).</li>
 * </ul>
 */
public final class PaleyHadamard {
    private PaleyHadamard() {
    }

    /** Paley I: (q+1, q+1) row-major, entries ±1, for a prime power q ≡ 3 (mod 4), e.g. 11, 19, 27, 59. */
    public static byte[] paleyI(int q) {
        checkArgument(q % 4 == 3, "Cannot build a Paley I Hadamard matrix over GF(%d): q must be ≡ 3 mod 4 "
                + "(use paleyII for q ≡ 1 mod 4)", q);
        byte[] s = skewOrSymmetricCore(new GaloisField(q), -1); // (q+1, q+1) row-major, S = [[0, 1ᵀ], [−1, Q]]
        int n = q + 1;
        for (int i = 0; i < n; i++) {
            s[i * n + i] = 1; // H = I + S (S has a zero diagonal)
        }
        return s;
    }

    /** Paley II: (2(q+1), 2(q+1)) row-major, entries ±1, for a prime power q ≡ 1 (mod 4), e.g. 13, 17, 25, 73. */
    public static byte[] paleyII(int q) {
        checkArgument(q % 4 == 1, "Cannot build a Paley II Hadamard matrix over GF(%d): q must be ≡ 1 mod 4 "
                + "(use paleyI for q ≡ 3 mod 4)", q);
        int c = q + 1;
        byte[] conference = skewOrSymmetricCore(new GaloisField(q), 1); // (c, c) row-major, entries 0, ±1
        int n = 2 * c;
        byte[] h = new byte[n * n]; // (2c, 2c) row-major, entries ±1
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                int v = conference[i * c + j];
                // each conference entry becomes a 2×2 block:
                // v·[[1, 1], [1, −1]], or [[1, −1], [−1, −1]] where v = 0
                int b00 = v != 0 ? v : 1;
                int b01 = v != 0 ? v : -1;
                int b10 = v != 0 ? v : -1;
                int b11 = v != 0 ? -v : -1;
                int top = (2 * i) * n + 2 * j;
                int bottom = top + n;
                h[top] = (byte) b00;
                h[top + 1] = (byte) b01;
                h[bottom] = (byte) b10;
                h[bottom + 1] = (byte) b11;
            }
        }
        return h;
    }

    /** Jacobsthal matrix Q[i, j] = χ(x_i − x_j): (q, q) row-major, entries 0, ±1. */
    public static byte[] jacobsthal(GaloisField field) {
        int q = field.order();
        byte[] jac = new byte[q * q]; // (q, q) row-major
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < q; j++) {
                jac[i * q + j] = (byte) field.quadraticCharacter(field.subtract(i, j));
            }
        }
        return jac;
    }

    // [[0, 1ᵀ], [firstColumn·1, Q]]: (q+1, q+1) row-major, zero diagonal
    private static byte[] skewOrSymmetricCore(GaloisField field, int firstColumn) {
        checkArgument(field.characteristic() != 2, "Cannot build a Paley Hadamard matrix over GF(%d): q must be odd",
                field.order());
        int q = field.order();
        int n = q + 1;
        byte[] jac = jacobsthal(field);  // (q, q) row-major
        byte[] core = new byte[n * n];   // (q+1, q+1) row-major
        for (int j = 1; j < n; j++) {
            core[j] = 1;
            core[j * n] = (byte) firstColumn;
        }
        for (int i = 0; i < q; i++) {
            System.arraycopy(jac, i * q, core, (i + 1) * n + 1, q);
        }
        return core;
    }
}
