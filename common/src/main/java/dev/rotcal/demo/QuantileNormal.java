package dev.rotcal.demo;

import dev.rotcal.model.safetensors.BFloat16;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Fast seeded N(0, 1) values for the real-shaped models, whose weights run to billions of values: a table of
 * the 65,536 quantiles z_i = Φ⁻¹((i + ½) / 65536), rescaled to variance exactly 1, indexed by 16 random bits,
 * so one {@link SplittableRandom#nextLong()} gives four values. The values are Gaussian up to the 2⁻¹⁶
 * quantile grid (the grid step near 0 is 4e-5·σ, far below BF16's 2⁻⁸ relative step) with the tails cut at
 * ±4.3σ. Φ⁻¹ is Acklam's rational approximation (relative error in p below 1.5e-8) in {@link StrictMath}, so
 * the table, and every file made from it, has the same bits on every JVM.
 */
final class QuantileNormal {
    static final int SIZE = 1 << 16;
    // Acklam's coefficients (declared before UNIT, which is built from them)
    private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};
    private static final double P_LOW = 0.02425;
    private static final double[] UNIT = unitTable(); // (SIZE) unit-variance quantiles, ascending

    private QuantileNormal() {
    }

    /** The quantile with 16-bit index {@code index}. */
    static double unit(int index) {
        return UNIT[index];
    }

    /** (SIZE) BF16 bits of mean + std·z_i for every index: one table per tensor kind. */
    static short[] bf16Table(double mean, double std) {
        short[] table = new short[SIZE];
        for (int i = 0; i < SIZE; i++) {
            table[i] = BFloat16.fromFloat((float) (mean + std * UNIT[i]));
        }
        return table;
    }

    /** out[from..from+count) := table[16 random bits] each, four values per nextLong() of {@code random}. */
    static void fill(SplittableRandom random, short[] table, short[] out, int from, int count) {
        int i = from;
        int end = from + count;
        for (; i + 4 <= end; i += 4) {
            long bits = random.nextLong();
            out[i] = table[(int) (bits & 0xFFFF)];
            out[i + 1] = table[(int) ((bits >>> 16) & 0xFFFF)];
            out[i + 2] = table[(int) ((bits >>> 32) & 0xFFFF)];
            out[i + 3] = table[(int) (bits >>> 48)];
        }
        if (i < end) {
            long bits = random.nextLong();
            for (; i < end; i++, bits >>>= 16) {
                out[i] = table[(int) (bits & 0xFFFF)];
            }
        }
    }

    /** N(0, 1) values from {@code random}, four per nextLong(), as a supplier (for embedding rows). */
    static DoubleSupplier supplier(SplittableRandom random) {
        return new DoubleSupplier() {
            private long bits;
            private int left;

            @Override
            public double getAsDouble() {
                if (left == 0) {
                    bits = random.nextLong();
                    left = 4;
                }
                int index = (int) (bits & 0xFFFF);
                bits >>>= 16;
                left--;
                return UNIT[index];
            }
        };
    }

    /** The stream of row {@code row} of the tensor whose stream seed is {@code tensorSeed}: random access. */
    static SplittableRandom rowStream(long tensorSeed, long row) {
        return new SplittableRandom(mix64(tensorSeed ^ mix64(row + 0x632BE59BD9B4E019L)));
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer (SplittableRandom's own mixer). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double[] unitTable() {
        double[] z = new double[SIZE];
        double sumSquares = 0;
        for (int i = 0; i < SIZE; i++) {
            z[i] = inverseCdf((i + 0.5) / SIZE);
            sumSquares += z[i] * z[i];
        }
        // the grid and the cut tails lose ≈ 2e-4 of the variance
        double scale = 1 / StrictMath.sqrt(sumSquares / SIZE);
        for (int i = 0; i < SIZE; i++) {
            z[i] *= scale;
        }
        return z;
    }

    /** Φ⁻¹(p) for 0 &lt; p &lt; 1 (Acklam): odd around ½ by construction, so the table is symmetric. */
    static double inverseCdf(double p) {
        if (p < P_LOW) {
            return tail(p);
        }
        if (p > 1 - P_LOW) {
            return -tail(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
    }

    private static double tail(double p) {
        double q = StrictMath.sqrt(-2 * StrictMath.log(p));
        return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
}
