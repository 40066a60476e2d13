package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.util.Arrays;

/**
 * The finite field GF(q), q = p^e, small enough for full tables (q ≤ 512).
 *
 * <p>An element is an int in [0, q): its base-p digits are the coefficients c_0 + c_1·x + … + c_{e−1}·x^{e−1}
 * of a polynomial over GF(p). Addition is digit-wise mod p; multiplication is polynomial multiplication
 * reduced modulo a monic irreducible polynomial f of degree e (the first one in lexicographic order of its
 * coefficients, so the field is deterministic). For e = 1 this is plain arithmetic mod p.
 *
 * <p>The Paley constructions only need subtraction and the quadratic character χ, so those are tabulated.
 */
public final class GaloisField {
    private static final int MAX_ORDER = 512;

    private final int q;
    private final int p;
    private final int e;
    private final int[] modulus;   // (e + 1) coefficients of f, low degree first, f[e] = 1
    private final int[] mulTable;  // (q, q) row-major, a·b
    private final byte[] chi;      // (q) quadratic character: 0 at 0, +1 on nonzero squares, −1 otherwise

    public GaloisField(int q) {
        checkArgument(q >= 2 && q <= MAX_ORDER,
                "Cannot build the field GF(%d): the order must be in [2, %d] (tables are q × q)", q, MAX_ORDER);
        this.q = q;
        this.p = smallestPrimeFactor(q);
        int power = 0;
        int rest = q;
        while (rest % p == 0) {
            rest /= p;
            power++;
        }
        checkArgument(rest == 1, "Cannot build the field GF(%d): %d is not a prime power (e.g. 27 = 3^3, 25 = 5^2)",
                q, q);
        this.e = power;
        this.modulus = firstIrreducible(p, e);
        this.mulTable = multiplicationTable(p, e, modulus);
        this.chi = quadraticCharacter(q, mulTable);
    }

    public int order() {
        return q;
    }

    public int characteristic() {
        return p;
    }

    public int degree() {
        return e;
    }

    /** Coefficients of the reduction polynomial f, low degree first (length e + 1, monic). */
    public int[] modulus() {
        return modulus.clone();
    }

    public int add(int a, int b) {
        return combine(a, b, 1);
    }

    public int subtract(int a, int b) {
        return combine(a, b, p - 1);
    }

    public int multiply(int a, int b) {
        return mulTable[a * q + b];
    }

    /** χ(a): 0 for a = 0, +1 if a is a nonzero square, −1 otherwise. */
    public int quadraticCharacter(int a) {
        return chi[a];
    }

    // digit-wise a + sign·b mod p, sign ∈ {1, p−1}
    private int combine(int a, int b, int sign) {
        int result = 0;
        int place = 1;
        for (int i = 0; i < e; i++) {
            int digit = (a % p + sign * (b % p)) % p;
            result += digit * place;
            place *= p;
            a /= p;
            b /= p;
        }
        return result;
    }

    private static int smallestPrimeFactor(int q) {
        for (int d = 2; d * d <= q; d++) {
            if (q % d == 0) {
                return d;
            }
        }
        return q;
    }

    // First monic degree-e polynomial (coefficients c_0..c_{e−1} counted up in base p) whose quotient ring
    // has no zero divisors, i.e. which is irreducible. Brute force is fine for q ≤ 512.
    private static int[] firstIrreducible(int p, int e) {
        int q = (int) Math.round(Math.pow(p, e));
        for (int low = 0; low < q; low++) {
            int[] f = new int[e + 1];
            int rest = low;
            for (int i = 0; i < e; i++) {
                f[i] = rest % p;
                rest /= p;
            }
            f[e] = 1;
            if (e == 1 || (f[0] != 0 && hasNoZeroDivisors(multiplicationTable(p, e, f), q))) {
                return f;
            }
        }
        throw new IllegalStateException("[BUG] no irreducible polynomial of degree " + e + " over GF(" + p + ")");
    }

    private static boolean hasNoZeroDivisors(int[] mul, int q) {
        for (int a = 1; a < q; a++) {
            for (int b = 1; b < q; b++) {
                if (mul[a * q + b] == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static int[] multiplicationTable(int p, int e, int[] f) {
        int q = (int) Math.round(Math.pow(p, e));
        int[] table = new int[q * q];
        int[] da = new int[e];
        int[] db = new int[e];
        int[] prod = new int[2 * e - 1];
        for (int a = 0; a < q; a++) {
            digits(a, p, da);
            for (int b = 0; b < q; b++) {
                digits(b, p, db);
                // schoolbook product of the two polynomials
                Arrays.fill(prod, 0);
                for (int i = 0; i < e; i++) {
                    for (int j = 0; j < e; j++) {
                        prod[i + j] = (prod[i + j] + da[i] * db[j]) % p;
                    }
                }
                // reduce: x^d = x^{d−e}·x^e and x^e ≡ −(f_0 + … + f_{e−1} x^{e−1}) mod f
                for (int d = 2 * e - 2; d >= e; d--) {
                    int c = prod[d];
                    if (c != 0) {
                        prod[d] = 0;
                        for (int i = 0; i < e; i++) {
                            prod[d - e + i] = ((prod[d - e + i] - c * f[i]) % p + p) % p;
                        }
                    }
                }
                int value = 0;
                for (int i = e - 1; i >= 0; i--) {
                    value = value * p + prod[i];
                }
                table[a * q + b] = value;
            }
        }
        return table;
    }

    private static void digits(int a, int p, int[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = a % p;
            a /= p;
        }
    }

    private static byte[] quadraticCharacter(int q, int[] mul) {
        byte[] chi = new byte[q];
        Arrays.fill(chi, (byte) -1);
        chi[0] = 0;
        for (int a = 1; a < q; a++) {
            chi[mul[a * q + a]] = 1;
        }
        int squares = 0;
        for (int a = 1; a < q; a++) {
            squares += chi[a] == 1 ? 1 : 0;
        }
        // in odd characteristic exactly half the nonzero elements are squares
        checkState(q % 2 == 0 || squares == (q - 1) / 2, "GF(%d) has %d nonzero squares, expected %d", q, squares,
                (q - 1) / 2);
        return chi;
    }
}
