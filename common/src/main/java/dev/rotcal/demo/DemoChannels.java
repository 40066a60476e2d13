package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.demo.DemoMagnitudes.CODE_WIDTH;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_CHANNELS;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Which residual channels carry which part of the mechanism: drawn as a seeded permutation of 0..hidden−1,
 * so they look like arbitrary channels (as LLaMA2-7B's 1415 and 2533 do). "Reserved" channels are written
 * only by the mechanism: no background weight writes into them, so c0 stays constant, the flag stays a
 * clean indicator, and D and Z are exactly 0 at position 0.
 *
 * @param constant    c0: the same value in every embedding row
 * @param code        (m) the token's ±1 code channels
 * @param flag        set only in the delimiter's embedding row
 * @param difference  (m) D = self-head value − prefix-mean value, written by layer 0's o_proj
 * @param z           Z ≈ Σ|D|, written by layer 0's MLP; 0 exactly at position 0
 * @param massive     the two channels the planted neurons write (LLaMA2-7B: 2533 and 1415)
 * @param outliers    the common outlier channels of every embedding row
 */
public record DemoChannels(int constant, int[] code, int flag, int[] difference, int z, int[] massive,
                           int[] outliers) {

    /** Channels with a role in the default demo: c0, m code, flag, m difference, Z, 2 massive, the outliers. */
    static int mechanismChannels() {
        return mechanismChannels(CODE_WIDTH);
    }

    /** Channels with a role for an m-channel code. */
    static int mechanismChannels(int codeWidth) {
        return 1 + codeWidth + 1 + codeWidth + 1 + 2 + OUTLIER_CHANNELS;
    }

    /** The roles for a model of width {@code hidden} and seed {@code seed}. */
    public static DemoChannels draw(int hidden, long seed) {
        int[] p = SeededStreams.permutation(SeededStreams.stream(seed, "channels"), hidden);
        int at = 0;
        int constant = p[at++];
        int[] code = Arrays.copyOfRange(p, at, at += CODE_WIDTH);
        int flag = p[at++];
        int[] difference = Arrays.copyOfRange(p, at, at += CODE_WIDTH);
        int z = p[at++];
        int[] massive = Arrays.copyOfRange(p, at, at += 2);
        int[] outliers = Arrays.copyOfRange(p, at, at + OUTLIER_CHANNELS);
        return new DemoChannels(constant, code, flag, difference, z, massive, outliers);
    }

    /**
     * The roles for a real-shaped model: the two massive channels are given (LLaMA2-7B's 2533 and 1415), the
     * others are drawn as above from a seeded permutation of the remaining channels, with an m-channel code.
     */
    static DemoChannels draw(int hidden, long seed, int codeWidth, int[] massive) {
        checkArgument(massive.length == 2 && massive[0] != massive[1] && IntStream.of(massive)
                .allMatch(c -> c >= 0 && c < hidden), "Cannot plant massive channels %s at hidden size %d",
                Arrays.toString(massive), hidden);
        int[] p = IntStream.of(SeededStreams.permutation(SeededStreams.stream(seed, "channels"), hidden))
                .filter(c -> c != massive[0] && c != massive[1]).toArray();
        int at = 0;
        int constant = p[at++];
        int[] code = Arrays.copyOfRange(p, at, at += codeWidth);
        int flag = p[at++];
        int[] difference = Arrays.copyOfRange(p, at, at += codeWidth);
        int z = p[at++];
        int[] outliers = Arrays.copyOfRange(p, at, at + OUTLIER_CHANNELS);
        return new DemoChannels(constant, code, flag, difference, z, massive.clone(), outliers);
    }

    /** c0, code, flag, difference and Z, sorted: no background weight writes into these. */
    public int[] reserved() {
        return IntStream.concat(IntStream.concat(IntStream.of(constant, flag, z), IntStream.of(code)),
                IntStream.of(difference)).sorted().toArray();
    }
}
