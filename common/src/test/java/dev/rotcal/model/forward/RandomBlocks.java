package dev.rotcal.model.forward;

import java.util.Random;

/** Seeded random dense blocks for kernel tests. */
final class RandomBlocks {
    private RandomBlocks() {
    }

    /** n standard-normal floats times scale. */
    static float[] gaussian(Random rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextGaussian() * scale);
        }
        return x;
    }

    /** Largest |a − b| over all elements. */
    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    /** Largest |a − b| over all elements, a in double. */
    static double maxAbsDiff(double[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
