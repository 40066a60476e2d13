package dev.rotcal.demo;

import java.util.SplittableRandom;

/**
 * Named random streams under one seed, so every tensor and table of the demo model has its own stream and
 * adding one does not shift the others. Gaussians use Box–Muller with {@link StrictMath}, so the values
 * (and the written files) are the same bits on every JVM and machine.
 */
final class SeededStreams {
    private SeededStreams() {
    }

    /** The stream called {@code name} under {@code seed}. */
    static SplittableRandom stream(long seed, String name) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (name.hashCode() + 0x632BE5ABL)));
    }

    /** (n) independent N(0, std²) values from {@code random}. */
    static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] values = new float[n]; // (n)
        for (int i = 0; i < n; i += 2) {
            // Box–Muller: u1 in (0, 1] so the log is finite
            double radius = std * StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - random.nextDouble()));
            double angle = 2.0 * StrictMath.PI * random.nextDouble();
            values[i] = (float) (radius * StrictMath.cos(angle));
            if (i + 1 < n) {
                values[i + 1] = (float) (radius * StrictMath.sin(angle));
            }
        }
        return values;
    }

    /** One N(0, 1) value. */
    static double gaussian(SplittableRandom random) {
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - random.nextDouble()));
        return radius * StrictMath.cos(2.0 * StrictMath.PI * random.nextDouble());
    }

    /** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
    static int[] permutation(SplittableRandom random, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
