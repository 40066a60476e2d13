package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CausalAttentionTest {

    /** Scalar loops in double: per sequence, head and query position, softmax over the causal window. */
    private static double[] reference(float[] q, float[] k, float[] v, int rows, int seqLen, int nHeads,
                                      int nKvHeads, int headDim) {
        int qw = nHeads * headDim;
        int kw = nKvHeads * headDim;
        double[] out = new double[rows * qw];
        for (int r = 0; r < rows; r++) {
            int start = r - r % seqLen;   // first row of this row's sequence
            for (int h = 0; h < nHeads; h++) {
                int g = h / (nHeads / nKvHeads);
                double[] s = new double[r - start + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = start; j <= r; j++) {
                    double dot = 0;
                    for (int c = 0; c < headDim; c++) {
                        dot += (double) q[r * qw + h * headDim + c] * k[j * kw + g * headDim + c];
                    }
                    s[j - start] = dot / Math.sqrt(headDim);
                    max = Math.max(max, s[j - start]);
                }
                double sum = 0;
                for (int j = 0; j < s.length; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = start; j <= r; j++) {
                    for (int c = 0; c < headDim; c++) {
                        out[r * qw + h * headDim + c] += s[j - start] / sum * v[j * kw + g * headDim + c];
                    }
                }
            }
        }
        return out;
    }

    @Test
    void gemmAttentionMatchesScalarLoopsWithGqaOverSeveralSequences() {
        Random rng = new Random(41);
        int seqLen = 13;
        int rows = 3 * seqLen;
        int nHeads = 6;
        int nKvHeads = 2;
        int headDim = 8;
        float[] q = RandomBlocks.gaussian(rng, rows * nHeads * headDim, 2);
        float[] k = RandomBlocks.gaussian(rng, rows * nKvHeads * headDim, 2);
        float[] v = RandomBlocks.gaussian(rng, rows * nKvHeads * headDim, 1);

        float[] out = CausalAttention.forward(q, k, v, rows, seqLen, nHeads, nKvHeads, headDim);

        assertThat(RandomBlocks.maxAbsDiff(reference(q, k, v, rows, seqLen, nHeads, nKvHeads, headDim), out))
                .as("Q·Kᵀ / softmax / P·V through sgemm should equal the scalar loops")
                .isLessThan(1e-5);
    }

    @Test
    void largeScoresDoNotOverflowTheSoftmax() {
        Random rng = new Random(42);
        int seqLen = 7;
        float[] q = RandomBlocks.gaussian(rng, seqLen * 4, 300);
        float[] k = RandomBlocks.gaussian(rng, seqLen * 4, 300);
        float[] v = RandomBlocks.gaussian(rng, seqLen * 4, 1);
        float[] out = CausalAttention.forward(q, k, v, seqLen, seqLen, 1, 1, 4);
        for (float f : out) {
            assertThat(Float.isFinite(f)).as("scores ~1e5 must not produce inf/NaN").isTrue();
        }
        assertThat(RandomBlocks.maxAbsDiff(reference(q, k, v, seqLen, seqLen, 1, 1, 4), out)).isLessThan(1e-4);
    }

    @Test
    void sequencesDoNotSeeEachOtherAndTheFutureIsMasked() {
        Random rng = new Random(43);
        int seqLen = 6;
        int rows = 2 * seqLen;
        int w = 2 * 4;
        float[] q = RandomBlocks.gaussian(rng, rows * w, 1);
        float[] k = RandomBlocks.gaussian(rng, rows * w, 1);
        float[] v = RandomBlocks.gaussian(rng, rows * w, 1);
        float[] before = CausalAttention.forward(q, k, v, rows, seqLen, 2, 2, 4);

        // change the last token of sequence 0 and every token of sequence 1
        for (int i = (seqLen - 1) * w; i < rows * w; i++) {
            k[i] += 1f;
            v[i] -= 2f;
        }
        float[] after = CausalAttention.forward(q, k, v, rows, seqLen, 2, 2, 4);

        assertThat(java.util.Arrays.copyOfRange(after, 0, (seqLen - 1) * w))
                .as("the first seqLen−1 tokens of sequence 0 attend to neither its last token nor sequence 1")
                .containsExactly(java.util.Arrays.copyOfRange(before, 0, (seqLen - 1) * w));
    }
}
