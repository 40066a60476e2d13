package dev.rotcal.model.rotate;

import java.util.Random;

/** Shared measurements of the rotation tests. */
final class RotationChecks {
    private RotationChecks() {
    }

    /** max |a − b| / max |b|, the error measure of the invariance tests. */
    static double maxRelativeDifference(float[] actual, float[] expected) {
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        return maxDiff / maxAbs;
    }

    /**
     * x·R in double, stored as float.
     *
     * @param x  (rows, d) row-major
     * @param r  (d, d) row-major
     * @return (rows, d) row-major
     */
    static float[] times(float[] x, int rows, double[] r, int d) {
        float[] y = new float[rows * d];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += x[i * d + c] * r[c * d + j];
                }
                y[i * d + j] = (float) s;
            }
        }
        return y;
    }

    /** (n) token ids in [0, vocab) from a seeded Random. */
    static int[] randomTokens(int n, int vocab, long seed) {
        Random rng = new Random(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rng.nextInt(vocab);
        }
        return tokens;
    }
}
