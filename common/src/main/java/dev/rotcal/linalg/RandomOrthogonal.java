package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;

import java.util.Random;

/**
 * Haar-distributed (uniform on the orthogonal group O(d)) random orthogonal matrices: the QR factor of a
 * standard Gaussian matrix with the sign fix diag(T) &gt; 0 (Mezzadri 2007; without the fix the
 * distribution depends on the QR routine's sign choices).
 *
 * <p>Random source: {@link #seededRandom(long)}, i.e. {@link java.util.Random#nextGaussian()} seeded with
 * SplitMix64's finalizer of {@code seed}, entries drawn in row-major order. Random's algorithm (48-bit LCG,
 * polar Box–Muller) is fixed by its Javadoc and the finalizer is spelled out below, so a seed gives the
 * same Gaussian matrix on every Java version and can be reproduced outside Java. The QR itself runs in
 * LAPACK, so the last bits of Q may differ between BLAS builds and thread counts.
 */
public final class RandomOrthogonal {
    private RandomOrthogonal() {
    }

    /**
     * A Haar random orthogonal matrix.
     *
     * @return (d, d) row-major
     */
    public static double[] matrix(int d, long seed) {
        checkArgument(d >= 1, "Cannot draw a random orthogonal matrix of order %d: the order must be positive",
                d);
        double[] g = new double[Math.multiplyExact(d, d)]; // (d, d) row-major standard Gaussian
        Random random = seededRandom(seed);
        for (int i = 0; i < g.length; i++) {
            g[i] = random.nextGaussian();
        }
        return Orthonormalization.reorthonormalize(g, d);
    }

    /**
     * {@code new Random(mix64(seed))}, where mix64 is SplitMix64's finalizer (Stafford's variant 13). Raw
     * {@code new Random(seed)} is not good enough: its first outputs for nearby seeds are strongly
     * correlated (the first nextGaussian() of seeds 1000…1005 are all between 0.78 and 1.70).
     */
    public static Random seededRandom(long seed) {
        long z = seed;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return new Random(z ^ (z >>> 31));
    }
}
