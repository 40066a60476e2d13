package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * Causal grouped-query attention over a block of sequences: rows are the tokens of consecutive sequences
 * of equal length, and a token attends only to itself and the earlier tokens of its own sequence.
 * Query head h reads KV head h / (nHeads / nKvHeads), as HF's repeat_kv.
 *
 * <p>Per sequence and head two GEMMs: S = Q·Kᵀ (L, L), then O = softmax(S / √headDim)·V (L, headDim).
 * The softmax subtracts the row maximum and sums in double.
 */
public final class CausalAttention {
    private CausalAttention() {
    }

    /**
     * @param q       (rows, nHeads * headDim) row-major queries after RoPE, heads side by side
     * @param k       (rows, nKvHeads * headDim) row-major keys after RoPE
     * @param v       (rows, nKvHeads * headDim) row-major values
     * @param rows    sequences × seqLen
     * @return (rows, nHeads * headDim) row-major, the heads' outputs side by side as o_proj reads them
     */
    public static float[] forward(float[] q, float[] k, float[] v, int rows, int seqLen, int nHeads,
                                  int nKvHeads, int headDim) {
        checkArgument(seqLen > 0 && rows % seqLen == 0,
                "Cannot run attention over %d rows with sequence length %d: rows must be whole sequences",
                rows, seqLen);
        checkArgument(nKvHeads > 0 && nHeads % nKvHeads == 0,
                "Cannot run attention with %d heads and %d KV heads: heads must be a multiple of KV heads",
                nHeads, nKvHeads);
        int qWidth = Math.multiplyExact(nHeads, headDim);
        int kvWidth = Math.multiplyExact(nKvHeads, headDim);
        checkArgument(q.length >= Math.multiplyExact((long) rows, qWidth)
                        && k.length >= Math.multiplyExact((long) rows, kvWidth)
                        && v.length >= Math.multiplyExact((long) rows, kvWidth),
                "Cannot run attention over %d rows: q, k, v hold %d, %d, %d floats, need (rows, %d) and "
                        + "(rows, %d)", rows, q.length, k.length, v.length, qWidth, kvWidth);
        int groupSize = nHeads / nKvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int tileSize = Math.multiplyExact(seqLen, headDim);
        float[] out = new float[Math.multiplyExact(rows, qWidth)];
        float[] qHead = new float[tileSize];                          // (L, headDim) one head's queries
        float[] kHead = new float[tileSize];                          // (L, headDim) one KV head's keys
        float[] vHead = new float[tileSize];                          // (L, headDim) one KV head's values
        float[] oHead = new float[tileSize];                          // (L, headDim) one head's output
        float[] scores = new float[Math.multiplyExact(seqLen, seqLen)]; // (L, L) scores, then weights
        for (int row0 = 0; row0 < rows; row0 += seqLen) {
            for (int g = 0; g < nKvHeads; g++) {
                copyHead(k, kvWidth, row0, seqLen, g * headDim, headDim, kHead);
                copyHead(v, kvWidth, row0, seqLen, g * headDim, headDim, vHead);
                for (int h = g * groupSize; h < (g + 1) * groupSize; h++) {
                    copyHead(q, qWidth, row0, seqLen, h * headDim, headDim, qHead);
                    Gemm.timesTransposed(qHead, kHead, scores, seqLen, seqLen, headDim); // S = Q·Kᵀ
                    causalSoftmax(scores, seqLen, scale);                               // P = softmax
                    Gemm.times(scores, vHead, oHead, seqLen, headDim, seqLen);          // O = P·V
                    for (int t = 0; t < seqLen; t++) {
                        System.arraycopy(oHead, t * headDim, out, (row0 + t) * qWidth + h * headDim,
                                headDim);
                    }
                }
            }
        }
        return out;
    }

    /** Copies columns [col, col + headDim) of rows [row0, row0 + seqLen) into a (seqLen, headDim) tile. */
    private static void copyHead(float[] src, int width, int row0, int seqLen, int col, int headDim,
                                 float[] tile) {
        for (int t = 0; t < seqLen; t++) {
            System.arraycopy(src, (row0 + t) * width + col, tile, t * headDim, headDim);
        }
    }

    /**
     * Turns raw scores into causal attention weights in place: row i becomes
     * softmax(scale · s[i][0..i]) followed by zeros for the future positions j > i.
     *
     * @param scores  (seqLen, seqLen) row-major, updated in place
     */
    static void causalSoftmax(float[] scores, int seqLen, float scale) {
        for (int i = 0; i < seqLen; i++) {
            int off = i * seqLen;
            // subtract the row maximum so exp never overflows
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                max = Math.max(max, scale * scores[off + j]);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                double e = Math.exp(scale * scores[off + j] - max);
                scores[off + j] = (float) e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j <= i; j++) {
                scores[off + j] *= inv;
            }
            for (int j = i + 1; j < seqLen; j++) {
                scores[off + j] = 0f;             // causal mask: no attention to later tokens
            }
        }
    }
}
