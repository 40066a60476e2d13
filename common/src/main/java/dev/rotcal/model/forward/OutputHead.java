package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * The end of the model: final RMSNorm (model.norm) and lm_head, then logits or next-token NLL.
 * {@link #nextTokenNll} works through the block in row chunks, so a 128k vocabulary never needs a
 * (rows, vocab) logits block at once. lm_head is copied once into native memory; close the head when done.
 */
public final class OutputHead implements AutoCloseable {
    /** Default upper bound on the floats of one logits chunk (64 MiB). */
    private static final int DEFAULT_CHUNK_FLOATS = 16 << 20;

    private final float[] finalNorm; // (hidden) model.norm.weight
    private final NativeMatrix lmHead; // (vocab, hidden) lm_head.weight (embed_tokens when tied)
    private final int vocab;
    private final double eps;
    private final int chunkFloats;   // upper bound on the floats of one logits chunk in nextTokenNll

    /**
     * @param finalNorm  (hidden) model.norm.weight
     * @param lmHead     (vocab, hidden) lm_head.weight
     */
    public OutputHead(float[] finalNorm, float[] lmHead, int vocab, double eps) {
        this(finalNorm, lmHead, vocab, eps, DEFAULT_CHUNK_FLOATS);
    }

    /** As the public constructor, with the logits chunk bounded by {@code chunkFloats} (tests). */
    OutputHead(float[] finalNorm, float[] lmHead, int vocab, double eps, int chunkFloats) {
        checkArgument(lmHead.length == Math.multiplyExact((long) vocab, finalNorm.length),
                "Cannot build the output head: lm_head has %d values, expected (%d, %d)", lmHead.length, vocab,
                finalNorm.length);
        this.finalNorm = finalNorm;
        this.lmHead = NativeMatrix.copyOf(lmHead, vocab, finalNorm.length);
        this.vocab = vocab;
        this.eps = eps;
        this.chunkFloats = chunkFloats;
    }

    public int vocab() {
        return vocab;
    }

    /**
     * @param hidden  (rows, hidden) row-major residual stream after the last layer; not modified
     * @return (rows, vocab) row-major logits
     */
    public float[] logits(float[] hidden, int rows) {
        float[] x = RmsNorm.normalizeWithGain(hidden, rows, finalNorm, eps);  // (rows, hidden)
        return Gemm.linear(x, rows, lmHead, null);
    }

    /**
     * The next-token NLL of every position but the last of every sequence, see
     * {@link NextTokenLoss#nll(float[], int[], int, int)}.
     *
     * @param hidden  (rows, hidden) row-major residual stream after the last layer; not modified
     * @param tokens  (rows) the token ids of the block
     * @return (sequences, seqLen − 1) row-major
     */
    public double[] nextTokenNll(float[] hidden, int[] tokens, int seqLen) {
        int d = finalNorm.length;
        int rows = tokens.length;
        checkArgument(seqLen > 1 && rows % seqLen == 0 && hidden.length == Math.multiplyExact((long) rows, d),
                "Cannot score next tokens: %d tokens with sequence length %d and a block of %d floats "
                        + "(hidden %d)", rows, seqLen, hidden.length, d);
        double[] out = new double[rows / seqLen * (seqLen - 1)];
        int chunkRows = Math.max(1, chunkFloats / vocab);
        float[] chunk = new float[0];
        for (int r0 = 0; r0 < rows; r0 += chunkRows) {
            int n = Math.min(chunkRows, rows - r0);
            if (chunk.length != n * d) {
                chunk = new float[n * d];
            }
            System.arraycopy(hidden, r0 * d, chunk, 0, n * d);
            float[] logits = logits(chunk, n);                    // (n, vocab)
            for (int i = 0; i < n; i++) {
                int r = r0 + i;
                int t = r % seqLen;
                if (t < seqLen - 1) {
                    out[r / seqLen * (seqLen - 1) + t] = NextTokenLoss.nll(logits, i, vocab, tokens[r + 1]);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        lmHead.close();
    }
}
