package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/** embed_tokens: token ids → rows of the embedding table. */
public final class TokenEmbedding {
    private TokenEmbedding() {
    }

    /**
     * @param tokens  (rows) token ids
     * @param table   (vocab, hidden) row-major, HF model.embed_tokens.weight
     * @return (rows, hidden) row-major, the first residual stream
     */
    public static float[] lookup(int[] tokens, float[] table, int vocab, int hidden) {
        checkArgument(table.length == Math.multiplyExact(vocab, hidden),
                "Cannot look up embeddings: the table holds %d floats, expected (%d, %d)", table.length,
                vocab, hidden);
        float[] out = new float[Math.multiplyExact(tokens.length, hidden)];
        for (int r = 0; r < tokens.length; r++) {
            int id = tokens[r];
            if (id < 0 || id >= vocab) {
                checkArgument(false,
                        "Cannot look up token id %d at row %d: the vocabulary has %d tokens (vocab_size)", id, r,
                        vocab);
            }
            System.arraycopy(table, id * hidden, out, r * hidden, hidden);
        }
        return out;
    }
}
