package dev.rotcal.jobs.capture;

import static dev.rotcal.Checks.checkArgument;

/**
 * How the calibration sequences are dealt into blocks of whole sequences, one capture task each: at most
 * {@code maxBlocks} contiguous blocks, the first {@code sequences mod count} one sequence larger. Captured
 * rows and activation dumps of the same sequences are cut the same way, so both give the same row layout.
 */
public final class SequenceBlocks {
    private SequenceBlocks() {
    }

    /** @return (blocks) the number of sequences in each block, in order */
    public static int[] sizes(int sequences, int maxBlocks) {
        checkArgument(sequences > 0, "Cannot deal %d sequences into blocks: need at least one", sequences);
        int count = Math.max(1, Math.min(sequences, maxBlocks));
        int[] sizes = new int[count];
        for (int b = 0; b < count; b++) {
            sizes[b] = sequences / count + (b < sequences % count ? 1 : 0);
        }
        return sizes;
    }
}
