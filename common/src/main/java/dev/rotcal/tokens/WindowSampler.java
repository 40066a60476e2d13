package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts calibration windows from a corpus with a seeded choice of starts. DFRot's recipe is one random
 * 2048-token window of the concatenated WikiText-2 train split; this generalizes it to {@code windows}
 * windows that do not overlap: with L = sequence length, N = corpus size and n windows, it draws n
 * values g_1 ≤ … ≤ g_n uniformly from [0, N − n·L] and starts window k at g_k + (k − 1)·L, so the windows
 * are in corpus order, at most N apart, and never overlap. When n·L &gt; N, non-overlapping windows are
 * impossible; it then draws each start uniformly from [0, N − L] (windows may overlap) and logs a warning.
 * A corpus shorter than one window is rejected. The same seed and corpus size give the same starts.
 *
 * @param sequenceLength  tokens per window (DFRot: 2048)
 * @param windows         number of windows (DFRot: 1)
 * @param seed            the seed of the choice
 */
public record WindowSampler(int sequenceLength, int windows, long seed) {
    private static final Logger LOG = LoggerFactory.getLogger(WindowSampler.class);

    public WindowSampler {
        checkArgument(sequenceLength > 0, "Cannot sample windows of sequence-length %d: must be > 0", sequenceLength);
        checkArgument(windows > 0, "Cannot sample %d windows: need at least one", windows);
        checkArgument((long) sequenceLength * windows <= Integer.MAX_VALUE - 8, "Cannot sample %d windows of %d"
                + " tokens: %d tokens exceed one Java array (use fewer windows)", windows, sequenceLength,
                (long) sequenceLength * windows);
    }

    /** The windows for {@code corpus}. */
    public TokenWindows sample(TokenCorpus corpus) {
        int n = corpus.size();
        checkArgument(n >= sequenceLength, "Cannot cut a window of %d tokens from %s: it has only %d tokens (use a"
                + " larger corpus or a shorter sequence-length)", sequenceLength, corpus.source(), n);
        int[] starts = starts(n);
        int[] tokens = new int[windows * sequenceLength];
        for (int w = 0; w < windows; w++) {
            System.arraycopy(corpus.ids(), starts[w], tokens, w * sequenceLength, sequenceLength);
        }
        return new TokenWindows(corpus.source(), sequenceLength, starts, tokens);
    }

    /** (windows) start indices for a corpus of {@code n ≥ sequenceLength} tokens. */
    int[] starts(int n) {
        SplittableRandom random = new SplittableRandom(seed);
        long free = (long) n - (long) windows * sequenceLength;
        int[] starts = new int[windows];
        if (free >= 0) {
            // n sorted draws from [0, free] plus the windows before each: disjoint, uniform gaps
            for (int w = 0; w < windows; w++) {
                starts[w] = (int) random.nextLong(free + 1);
            }
            Arrays.sort(starts);
            for (int w = 0; w < windows; w++) {
                starts[w] += w * sequenceLength;
            }
        } else {
            LOG.warn("{} windows of {} tokens need {} tokens but the corpus has {}: the windows will overlap",
                    windows, sequenceLength, (long) windows * sequenceLength, n);
            for (int w = 0; w < windows; w++) {
                starts[w] = random.nextInt(n - sequenceLength + 1);
            }
        }
        return starts;
    }
}
