package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.util.SplittableRandom;

/**
 * Token codes for a real vocabulary (32,000 .. 152,064 ids), where drawing codes one by one at distance ≥ 8
 * (the default demo's {@link TokenCodes}, 32 channels, ≤ 4,096 tokens) is impossible: a random binary linear
 * code. Token t's m-bit code is offset ⊕ G·t, with G a seeded k × m generator (k = bits of the largest id)
 * redrawn until every nonzero codeword has weight ≥ the minimum distance, which is checked exactly by walking
 * all 2^k − 1 codewords in Gray-code order (262,143 for Qwen2's vocabulary). Two different tokens then differ
 * in code(t) ⊕ code(t') = G·(t ⊕ t') ≠ 0, so in at least that many channels. The offset makes the codes of
 * small ids look like any others. Codes are computed per token, never tabled.
 */
final class LinearTokenCodes {
    private static final int MAX_DRAWS = 1000;

    private final long[] generator; // (k) rows of G, m bits each
    private final long offset;
    private final int width;
    private final int minDistance;  // the exact minimum weight of the code

    private LinearTokenCodes(long[] generator, long offset, int width, int minDistance) {
        this.generator = generator;
        this.offset = offset;
        this.width = width;
        this.minDistance = minDistance;
    }

    /** A code for ids 0..vocab−1 over {@code width} channels whose distance is ≥ {@code required}. */
    static LinearTokenCodes draw(int vocab, int width, int required, long seed) {
        checkArgument(vocab >= 2 && width >= 1 && width <= 64, "Cannot draw %d-channel codes for %d tokens", width,
                vocab);
        int k = 32 - Integer.numberOfLeadingZeros(vocab - 1);
        checkArgument(k <= 24, "Cannot draw linear codes for %d tokens: at most 2^24 ids", vocab);
        long mask = width == 64 ? -1L : (1L << width) - 1;
        SplittableRandom random = SeededStreams.stream(seed, "linear_codes");
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            long[] g = new long[k];
            for (int i = 0; i < k; i++) {
                g[i] = random.nextLong() & mask;
            }
            long offset = random.nextLong() & mask;
            int distance = minimumWeight(g);
            if (distance >= required) {
                return new LinearTokenCodes(g, offset, width, distance);
            }
        }
        throw new IllegalArgumentException(String.format("Cannot draw a %d-channel code of distance %d for %d"
                + " tokens in %d tries (use a wider code)", width, required, vocab, MAX_DRAWS));
    }

    /** The smallest weight of a nonzero codeword G·x, x = 1..2^k − 1 in Gray-code order. */
    static int minimumWeight(long[] g) {
        int min = Integer.MAX_VALUE;
        long word = 0;
        for (int i = 1; i < 1 << g.length; i++) {
            word ^= g[Integer.numberOfTrailingZeros(i)];
            min = Math.min(min, Long.bitCount(word));
        }
        return min;
    }

    /** Bit c set ⇔ code channel c of token {@code token} is +1. */
    long code(int token) {
        checkState(token >= 0 && token >>> generator.length == 0, "[BUG] token %d beyond the code", token);
        long word = offset;
        for (int i = 0, t = token; t != 0; i++, t >>>= 1) {
            if ((t & 1) != 0) {
                word ^= generator[i];
            }
        }
        return word;
    }

    int width() {
        return width;
    }

    /** The exact minimum distance between two tokens' codes. */
    int minDistance() {
        return minDistance;
    }
}
