package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * Fake quantization to a signed ExMy format with a real exponent bias β (LLM-FP4, reference/FORMATS.md):
 * clip to ±maxval; v = max(1, floor(log2|x| + β)); Δ = 2^(v − M − β); x̂ = rint(x / Δ) · Δ.
 * v is the binade of |x| (v = 1 also covers the subnormals), Δ its grid spacing, so x̂ is the nearest
 * representable value of {@link FpFormat#representableValues}, ties to the even multiple of Δ.
 * Math in double (2^−β is irrational for a non-integer β), results rounded to float once.
 *
 * <p>floor(log2|x| + β) is taken as the exact binary exponent of |x| · 2^β (no log, so powers of two do not
 * fall into the binade below). NaN stays NaN; ±Inf clips to ±maxval.
 */
public final class FpExMyQuantizer {
    private FpExMyQuantizer() {
    }

    /** Nearest value of x in {@code format} with bias β (RNE, saturating at ±maxval). */
    public static float fakeQuant(float x, FpFormat format, double bias) {
        double unit = unit(bias);
        return (float) fakeQuant(x, format.mantissaBits(), unit, format.maxValue(bias));
    }

    /**
     * Fake-quantizes src[off, off+len) with one bias.
     *
     * @param src (n) input, read at [off, off+len)
     * @param dst (n) output, written at [off, off+len); may be {@code src}
     */
    public static void fakeQuant(float[] src, float[] dst, int off, int len, FpFormat format, double bias) {
        checkArgument(off >= 0 && len >= 0 && off + len <= src.length && off + len <= dst.length,
                "Cannot fake-quantize [%d, %d): arrays hold %d and %d floats", off, off + len, src.length,
                dst.length);
        double unit = unit(bias);
        double maxValue = format.maxValue(bias);
        int m = format.mantissaBits();
        for (int i = off; i < off + len; i++) {
            dst[i] = (float) fakeQuant(src[i], m, unit, maxValue);
        }
    }

    /**
     * Fake-quantizes every row with its own bias (LLM-FP4's per-output-channel weight biases).
     *
     * @param src    (rows, cols) row-major input
     * @param dst    (rows, cols) row-major output; may be {@code src}
     * @param biases (rows) exponent bias of each row
     */
    public static void fakeQuantPerRow(float[] src, float[] dst, int rows, int cols, FpFormat format,
                                       double[] biases) {
        Shapes.checkHolds(src.length, rows, cols, "src");
        Shapes.checkHolds(dst.length, rows, cols, "dst");
        checkArgument(biases.length == rows, "Cannot fake-quantize %d rows with %d biases (one per row)", rows,
                biases.length);
        for (int r = 0; r < rows; r++) {
            fakeQuant(src, dst, r * cols, cols, format, biases[r]);
        }
    }

    /**
     * Encodes x to a code of 1 + E + M bits: sign in bit E + M, exponent field p in bits [M, E + M),
     * mantissa k in bits [0, M). Rounding as {@link #fakeQuant(float, FpFormat, double)}.
     */
    public static int encode(float x, FpFormat format, double bias) {
        checkArgument(!Float.isNaN(x), "Cannot encode NaN as %s: the format has no NaN", format);
        int m = format.mantissaBits();
        double unit = unit(bias);
        double a = Math.min(Math.abs((double) x), format.maxValue(bias));
        int v = binade(a, unit);
        long n = (long) Math.rint(a / Math.scalb(unit, v - m)); // multiple of Δ, 0 .. 2^(M+1)
        int p;
        int k;
        if (n == 2L << m) { // rounded up into the next binade: 2^(v+1−β) · 1.0
            p = v + 1;
            k = 0;
        } else if (n < 1L << m) { // only when v = 1: a subnormal
            p = 0;
            k = (int) n;
        } else {
            p = v;
            k = (int) n - (1 << m);
        }
        int sign = Float.floatToRawIntBits(x) >>> 31;
        return sign << (format.exponentBits() + m) | p << m | k;
    }

    /** Decodes a code of {@link #encode}: p = 0 → 2^(1−β) · k / 2^M, else 2^(p−β) · (1 + k / 2^M). */
    public static float decode(int code, FpFormat format, double bias) {
        int m = format.mantissaBits();
        int k = code & ((1 << m) - 1);
        int p = (code >>> m) & ((1 << format.exponentBits()) - 1);
        double unit = unit(bias);
        double a = p == 0 ? Math.scalb(unit, 1 - m) * k : Math.scalb(unit, p) * (1 + Math.scalb((double) k, -m));
        boolean negative = ((code >>> (format.exponentBits() + m)) & 1) != 0;
        return (float) (negative ? -a : a);
    }

    /** x̂ for one element; unit = 2^−β. */
    private static double fakeQuant(float x, int m, double unit, double maxValue) {
        double a = Math.min(Math.abs((double) x), maxValue); // clip to ±maxval
        double delta = Math.scalb(unit, binade(a, unit) - m); // Δ = 2^(v − M − β)
        return Math.copySign(Math.rint(a / delta) * delta, x);
    }

    /** v = max(1, floor(log2(a · 2^β))) for a ≥ 0 (a = 0 → 1, as log2 0 = −∞). */
    private static int binade(double a, double unit) {
        return Math.max(1, Math.getExponent(a / unit));
    }

    private static double unit(double bias) {
        checkArgument(Double.isFinite(bias), "Cannot quantize with exponent bias %s: must be finite", bias);
        return Math.pow(2, -bias);
    }
}
