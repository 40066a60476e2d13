package dev.rotcal.demo;

import java.util.SplittableRandom;

/**
 * The token files of a real-shaped model: {@code windows} windows of {@code windowTokens} ids drawn uniformly
 * from the vocabulary except the delimiter, then the delimiter at max(1, round(2·windowTokens / 2048)) distinct
 * random positions of each window (two per 2048-token window, as the demo corpus has about), never at a
 * window's position 0. A file of exactly W windows of T tokens read with sequence-length T and W sequences gives
 * back exactly these windows (WindowSampler has no room to move them).
 */
final class ShapedTokens {
    private ShapedTokens() {
    }

    /** Delimiters per window. */
    static int delimitersPerWindow(int windowTokens) {
        return (int) Math.max(1, Math.round(2.0 * windowTokens / 2048));
    }

    /** (windows·windowTokens) ids. */
    static int[] generate(int windows, int windowTokens, int vocab, int delimiter, SplittableRandom random) {
        int[] ids = new int[Math.multiplyExact(windows, windowTokens)];
        int perWindow = Math.min(delimitersPerWindow(windowTokens), windowTokens - 1);
        for (int w = 0; w < windows; w++) {
            int start = w * windowTokens;
            for (int i = 0; i < windowTokens; i++) {
                int id = random.nextInt(vocab - 1);
                ids[start + i] = id >= delimiter ? id + 1 : id;
            }
            for (int placed = 0; placed < perWindow; ) {
                int position = 1 + random.nextInt(windowTokens - 1);
                if (ids[start + position] != delimiter) {
                    ids[start + position] = delimiter;
                    placed++;
                }
            }
        }
        return ids;
    }
}
