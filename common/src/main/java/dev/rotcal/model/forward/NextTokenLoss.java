package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * Token-level cross-entropy of next-token prediction: the logits at position t score token t + 1 of the
 * same sequence, nll = logsumexp(logits) − logits[target], with a stable log-softmax in double. The
 * perplexity of a set of sequences is exp(mean nll).
 */
public final class NextTokenLoss {
    private NextTokenLoss() {
    }

    /**
     * The negative log-likelihood of one target under one row of logits.
     *
     * @param logits  (rows, vocab) row-major
     * @param row     the row holding the prediction
     */
    public static double nll(float[] logits, int row, int vocab, int target) {
        checkArgument(target >= 0 && target < vocab,
                "Cannot score target token %d: the vocabulary has %d tokens", target, vocab);
        int off = Math.multiplyExact(row, vocab);
        // log Σ exp(z) = m + log Σ exp(z − m) with m the row maximum
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < vocab; c++) {
            max = Math.max(max, logits[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < vocab; c++) {
            sum += Math.exp(logits[off + c] - max);
        }
        return max + Math.log(sum) - logits[off + target];
    }

    /**
     * The next-token NLL of every position but the last of every sequence.
     *
     * @param logits  (rows, vocab) row-major, rows = sequences × seqLen
     * @param tokens  (rows) the token ids the logits were computed from
     * @return (sequences, seqLen − 1) row-major: entry (s, t) = −log p(token t+1 | tokens ≤ t)
     */
    public static double[] nll(float[] logits, int[] tokens, int seqLen, int vocab) {
        int rows = tokens.length;
        checkArgument(seqLen > 1 && rows % seqLen == 0,
                "Cannot score next tokens of %d rows with sequence length %d: need whole sequences of >= 2",
                rows, seqLen);
        checkArgument(logits.length == Math.multiplyExact(rows, vocab),
                "Cannot score next tokens: logits hold %d floats, expected (%d, %d)", logits.length, rows,
                vocab);
        double[] out = new double[rows / seqLen * (seqLen - 1)];
        for (int r = 0; r < rows; r++) {
            int t = r % seqLen;
            if (t < seqLen - 1) {
                out[r / seqLen * (seqLen - 1) + t] = nll(logits, r, vocab, tokens[r + 1]);
            }
        }
        return out;
    }
}
