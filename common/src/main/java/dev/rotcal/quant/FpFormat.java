package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * A signed floating-point format ExMy with a real-valued exponent bias β (LLM-FP4, reference/FORMATS.md).
 * With exponent field p and mantissa field k: p ≥ 1 gives 2^(p − β) · (1 + k / 2^M) (all exponent codes
 * are finite, no Inf / NaN); p = 0 gives the subnormals 2^(1 − β) · k / 2^M. The largest magnitude is
 * maxval(E, M, β) = (2 − 2^−M) · 2^(2^E − 1 − β).
 *
 * @param exponentBits E ≥ 1
 * @param mantissaBits M ≥ 0
 */
public record FpFormat(int exponentBits, int mantissaBits) implements java.io.Serializable {
    /** 4-bit candidates of LLM-FP4. */
    public static final FpFormat E3M0 = new FpFormat(3, 0);
    public static final FpFormat E2M1 = new FpFormat(2, 1);
    public static final FpFormat E1M2 = new FpFormat(1, 2);

    public FpFormat {
        checkArgument(exponentBits >= 1 && mantissaBits >= 0 && exponentBits + mantissaBits <= 10,
                "Cannot build FP format E%dM%d: need E >= 1, M >= 0 and E + M <= 10", exponentBits, mantissaBits);
    }

    /** Total width including the sign bit, 1 + E + M. */
    public int bits() {
        return 1 + exponentBits + mantissaBits;
    }

    /** The conventional integer bias 2^(E−1) − 1 (E2M1 → 1, E3M0 → 3, E1M2 → 0). */
    public int standardBias() {
        return (1 << (exponentBits - 1)) - 1;
    }

    /** maxval(E, M, β) = (2 − 2^−M) · 2^(2^E − 1 − β). */
    public double maxValue(double bias) {
        return (2 - Math.scalb(1.0, -mantissaBits)) * Math.pow(2, (1 << exponentBits) - 1 - bias);
    }

    /** The bias whose maxval is {@code maxValue}: β = 2^E − log2(maxval) + log2(2 − 2^−M) − 1. */
    public double biasForMaxValue(double maxValue) {
        checkArgument(maxValue > 0 && Double.isFinite(maxValue),
                "Cannot derive an exponent bias from max value %s: must be finite and > 0", maxValue);
        return (1 << exponentBits) - log2(maxValue) + log2(2 - Math.scalb(1.0, -mantissaBits)) - 1;
    }

    /**
     * Every representable value with bias β, built from the bit fields (not from the quantizer), sorted
     * ascending, each magnitude once with both signs and a single 0.
     */
    public double[] representableValues(double bias) {
        int exponents = 1 << exponentBits;
        int mantissas = 1 << mantissaBits;
        double unit = Math.pow(2, -bias); // 2^−β
        double[] positive = new double[exponents * mantissas - 1]; // all non-zero magnitudes
        int n = 0;
        for (int k = 1; k < mantissas; k++) {
            positive[n++] = Math.scalb(unit, 1) * k / mantissas; // subnormal: 2^(1−β) · k / 2^M
        }
        for (int p = 1; p < exponents; p++) {
            for (int k = 0; k < mantissas; k++) {
                positive[n++] = Math.scalb(unit, p) * (1 + (double) k / mantissas); // 2^(p−β) · (1 + k / 2^M)
            }
        }
        double[] all = new double[2 * n + 1]; // (2n + 1) ascending: −max … 0 … +max
        for (int i = 0; i < n; i++) {
            all[n - 1 - i] = -positive[i];
            all[n + 1 + i] = positive[i];
        }
        return all; // all[n] = 0
    }

    @Override
    public String toString() {
        return "E" + exponentBits + "M" + mantissaBits;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
