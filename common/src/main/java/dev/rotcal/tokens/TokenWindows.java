package dev.rotcal.tokens;

/**
 * Calibration windows cut from a corpus: what the capture stage runs through the model.
 *
 * @param source          the corpus they come from, for reports
 * @param sequenceLength  tokens per window
 * @param starts          (windows) index of each window's first token in the corpus
 * @param tokens          (windows, sequenceLength) row-major token ids
 */
public record TokenWindows(String source, int sequenceLength, int[] starts, int[] tokens) {

    public int count() {
        return starts.length;
    }

    /** (sequenceLength) a copy of window {@code w}. */
    public int[] window(int w) {
        int[] ids = new int[sequenceLength];
        System.arraycopy(tokens, w * sequenceLength, ids, 0, sequenceLength);
        return ids;
    }
}
