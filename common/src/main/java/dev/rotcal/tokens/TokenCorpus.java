package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.util.List;

/**
 * The token ids of one calibration source, in file order (a [n_seq, seq_len] array row after row).
 *
 * @param source     where the ids came from, for messages
 * @param ids        (size) token ids
 * @param rowLength  the length of every row when the source held equal-length rows ([n_seq, seq_len] .npy
 *                   or safetensors, JSONL lines of one length), else 0
 */
public record TokenCorpus(String source, int[] ids, int rowLength) {

    public TokenCorpus {
        checkArgument(rowLength >= 0 && (rowLength == 0 || ids.length % rowLength == 0), "Cannot make a token"
                + " corpus from %s: %d ids are not whole rows of %d", source, ids.length, rowLength);
    }

    /** Number of token ids. */
    public int size() {
        return ids.length;
    }

    /**
     * Checks that every id is in [0, vocabSize) and returns this corpus; fails on the first one that is not,
     * naming the source, the id, its index and the vocabulary size.
     */
    public TokenCorpus checkVocabulary(int vocabSize) {
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            checkArgument(id >= 0 && id < vocabSize, "Cannot use token ids from %s: id %d at index %d is outside"
                    + " the model's vocabulary of %d (tokenized for another model?)", source, id, i, vocabSize);
        }
        return this;
    }

    /**
     * This corpus without the given windows' tokens (the rest in order, as one corpus without rows): where a second
     * set of windows is drawn so that it never overlaps the first.
     */
    public TokenCorpus without(TokenWindows taken) {
        boolean[] used = new boolean[ids.length];
        for (int start : taken.starts()) {
            for (int i = start; i < Math.min(ids.length, start + taken.sequenceLength()); i++) {
                used[i] = true;
            }
        }
        int kept = 0;
        int[] rest = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (!used[i]) {
                rest[kept++] = ids[i];
            }
        }
        return new TokenCorpus(source + " (without " + taken.count() + " window(s))",
                java.util.Arrays.copyOf(rest, kept), 0);
    }

    /** The sources one after another, as one corpus (rows kept when all have the same row length). */
    public static TokenCorpus concatenate(List<TokenCorpus> parts) {
        checkArgument(!parts.isEmpty(), "Cannot concatenate token corpora: none given");
        if (parts.size() == 1) {
            return parts.get(0);
        }
        long total = 0;
        for (TokenCorpus part : parts) {
            total += part.size();
        }
        checkArgument(total <= Integer.MAX_VALUE - 8, "Cannot concatenate %d token sources: %d ids exceed one Java"
                + " array (use fewer files)", parts.size(), total);
        int[] ids = new int[(int) total];
        int at = 0;
        int rowLength = parts.get(0).rowLength();
        StringBuilder sources = new StringBuilder();
        for (TokenCorpus part : parts) {
            System.arraycopy(part.ids(), 0, ids, at, part.size());
            at += part.size();
            rowLength = part.rowLength() == rowLength ? rowLength : 0;
            sources.append(sources.length() == 0 ? "" : " + ").append(part.source());
        }
        return new TokenCorpus(sources.toString(), ids, rowLength);
    }
}
