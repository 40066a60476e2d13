package dev.rotcal.demo;

import static dev.rotcal.Checks.checkState;
import static dev.rotcal.demo.DemoMagnitudes.CODE_WIDTH;
import static dev.rotcal.demo.DemoMagnitudes.MIN_CODE_DISTANCE;

import java.util.SplittableRandom;

/**
 * Every token's ±1 code over the m = 32 code channels, as a bit mask (bit k set ⇔ channel k is +1). Codes
 * are drawn at random and redrawn until they differ from every earlier code in ≥ 8 channels, so two
 * different tokens always leave a clear |self − mean| signal.
 */
final class TokenCodes {
    private static final int MAX_DRAWS = 1 << 24;

    private TokenCodes() {
    }

    /** (vocab) code masks. */
    static int[] draw(int vocab, long seed) {
        SplittableRandom random = SeededStreams.stream(seed, "codes");
        int[] codes = new int[vocab];
        int draws = 0;
        for (int t = 0; t < vocab; t++) {
            int candidate;
            do {
                checkState(++draws < MAX_DRAWS, "[BUG] no code at distance ≥ %d for token %d", MIN_CODE_DISTANCE, t);
                candidate = random.nextInt();
            } while (!farFromAll(candidate, codes, t));
            codes[t] = candidate;
        }
        return codes;
    }

    private static boolean farFromAll(int candidate, int[] codes, int count) {
        for (int i = 0; i < count; i++) {
            if (Integer.bitCount(candidate ^ codes[i]) < MIN_CODE_DISTANCE) {
                return false;
            }
        }
        return true;
    }

    /** +1 or −1: channel k of code {@code mask}. */
    static int sign(int mask, int k) {
        checkState(k >= 0 && k < CODE_WIDTH, "[BUG] code channel %d", k);
        return ((mask >>> k) & 1) == 1 ? 1 : -1;
    }
}
