package dev.rotcal.demo;

import static dev.rotcal.demo.DemoMagnitudes.CODE_WIDTH;

import java.util.Arrays;

/**
 * Which MLP neurons carry the mechanism, drawn as a seeded permutation of 0..intermediate−1.
 *
 * @param absPositive  (m) layer 0: gate +β·x_D[k], the silu(t) half of |t|
 * @param absNegative  (m) layer 0: gate −β·x_D[k], the silu(−t) half
 * @param firstToken   planted layer: fires when Z = 0 (position 0)
 * @param delimiter    planted layer: fires on the delimiter flag
 */
public record DemoNeurons(int[] absPositive, int[] absNegative, int firstToken, int delimiter) {

    /** The neurons for an MLP of width {@code intermediate} and seed {@code seed}. */
    public static DemoNeurons draw(int intermediate, long seed) {
        return draw(intermediate, seed, CODE_WIDTH);
    }

    /** The neurons for an m-channel code (m pairs of |·| neurons). */
    static DemoNeurons draw(int intermediate, long seed, int codeWidth) {
        int[] p = SeededStreams.permutation(SeededStreams.stream(seed, "neurons"), intermediate);
        return new DemoNeurons(Arrays.copyOfRange(p, 0, codeWidth),
                Arrays.copyOfRange(p, codeWidth, 2 * codeWidth), p[2 * codeWidth], p[2 * codeWidth + 1]);
    }
}
