package dev.rotcal.linalg;

import dev.rotcal.quant.IntQuantizer;
import java.util.Random;

/** Seeded Procrustes inputs C = Aᵀ·B for tests and the benchmark. */
public final class ProcrustesProblems {
    private ProcrustesProblems() {
    }

    /** A planted problem: B = A·R_true + noise·N. a (n, d), b (n, d), c (d, d), rTrue (d, d), all row-major. */
    public record Planted(double[] a, double[] b, double[] c, double[] rTrue, int n, int d) {
        /** ‖A·R − B‖_F², the Procrustes objective. */
        public double objective(double[] r) {
            double[] ar = new double[b.length]; // (n, d)
            DenseLinearAlgebra.gemm(false, false, n, d, d, 1.0, a, r, 0.0, ar);
            double sum = 0;
            for (int i = 0; i < ar.length; i++) {
                double e = ar[i] - b[i];
                sum += e * e;
            }
            return sum;
        }
    }

    /** A Gaussian (n, d), R_true = RandomOrthogonal(d, seed + 1), B = A·R_true + noise·Gaussian, C = Aᵀ·B. */
    public static Planted planted(int n, int d, double noise, long seed) {
        double[] a = gaussian(n, d, RandomOrthogonal.seededRandom(seed)); // (n, d)
        double[] rTrue = RandomOrthogonal.matrix(d, seed + 1); // (d, d)
        double[] b = new double[a.length]; // (n, d)
        DenseLinearAlgebra.gemm(false, false, n, d, d, 1.0, a, rTrue, 0.0, b);
        Random random = RandomOrthogonal.seededRandom(seed + 2);
        for (int i = 0; i < b.length; i++) {
            b[i] += noise * random.nextGaussian();
        }
        double[] c = new double[d * d]; // (d, d) Aᵀ·B
        DenseLinearAlgebra.gemm(true, false, d, d, n, 1.0, a, b, 0.0, c);
        return new Planted(a, b, c, rTrue, n, d);
    }

    /**
     * A C shaped like one DFRot iteration's (reference/DFROT.md): n fused-RMSNorm rows of norm √d (Gaussian
     * with 8 outlier channels ×20), 4 of them massive (two channels +55/−32 before normalization, the rest
     * ×0.02) and multiplied by α = 100; B = Q(A·R0) with the 4-bit symmetric per-row quantizer, R0 a random
     * orthogonal; C = Aᵀ·B accumulated in float as the executors do.
     *
     * @return (d, d) row-major
     */
    public static double[] dfrotShaped(int n, int d, long seed) {
        Random random = RandomOrthogonal.seededRandom(seed);
        float[] a = new float[Math.multiplyExact(n, d)]; // (n, d) row-major calibration rows
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int k = 0; k < 8; k++) {
            int channel = random.nextInt(d);
            for (int row = 0; row < n; row++) {
                a[row * d + channel] *= 20f;
            }
        }
        int[] massiveChannels = {random.nextInt(d), random.nextInt(d)};
        boolean[] massive = new boolean[n];
        for (int m = 0; m < 4; m++) {
            int row = random.nextInt(n);
            massive[row] = true;
            for (int j = 0; j < d; j++) {
                a[row * d + j] *= 0.02f;
            }
            a[row * d + massiveChannels[0]] = 55f;
            a[row * d + massiveChannels[1]] = -32f;
        }
        float sqrtD = (float) Math.sqrt(d);
        for (int row = 0; row < n; row++) {
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += (double) a[row * d + j] * a[row * d + j];
            }
            float factor = (float) (sqrtD / Math.sqrt(sum));
            for (int j = 0; j < d; j++) {
                a[row * d + j] *= massive[row] ? 100f * factor : factor;
            }
        }
        float[] r0 = DenseLinearAlgebra.toFloat(RandomOrthogonal.matrix(d, seed + 1)); // (d, d)
        float[] b = new float[a.length]; // (n, d) Q(A·R0)
        DenseLinearAlgebra.gemm(false, false, n, d, d, 1f, a, r0, 0f, b);
        IntQuantizer.fakeQuantSymmetricPerRow(b, b, n, d, 4, 1f);
        float[] c = new float[d * d]; // (d, d) Aᵀ·B
        DenseLinearAlgebra.gemm(true, false, d, d, n, 1f, a, b, 0f, c);
        return DenseLinearAlgebra.toDouble(c);
    }

    /** (rows, cols) row-major standard Gaussian. */
    public static double[] gaussian(int rows, int cols, Random random) {
        double[] g = new double[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < g.length; i++) {
            g[i] = random.nextGaussian();
        }
        return g;
    }
}
