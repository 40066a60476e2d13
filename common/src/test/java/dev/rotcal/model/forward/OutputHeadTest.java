package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputHeadTest {

    @Test
    void chunkedNllEqualsNllOfTheFullLogits() {
        Random rng = new Random(61);
        int d = 16;
        int vocab = 11;
        int seqLen = 5;
        int rows = 3 * seqLen;
        float[] norm = RandomBlocks.gaussian(rng, d, 1);
        float[] lmHead = RandomBlocks.gaussian(rng, vocab * d, 1);
        float[] hidden = RandomBlocks.gaussian(rng, rows * d, 1);
        int[] tokens = new int[rows];
        for (int i = 0; i < rows; i++) {
            tokens[i] = rng.nextInt(vocab);
        }
        double[] chunked;
        double[] whole;
        try (OutputHead head = new OutputHead(norm, lmHead, vocab, 1e-6, 3 * vocab)) {   // chunks of 3 rows
            chunked = head.nextTokenNll(hidden, tokens, seqLen);
            whole = NextTokenLoss.nll(head.logits(hidden, rows), tokens, seqLen, vocab);
        }

        assertThat(chunked).as("chunks of 3 rows cut across sequences of 5 and must not change the NLL")
                .containsExactly(whole, within(1e-5));
    }

    @Test
    void logitsAreLmHeadOfTheNormalizedRows() {
        Random rng = new Random(62);
        int d = 8;
        int vocab = 5;
        float[] norm = RandomBlocks.gaussian(rng, d, 1);
        float[] lmHead = RandomBlocks.gaussian(rng, vocab * d, 1);
        float[] hidden = RandomBlocks.gaussian(rng, 2 * d, 4);
        float[] logits;
        try (OutputHead head = new OutputHead(norm, lmHead, vocab, 1e-5)) {
            logits = head.logits(hidden, 2);
        }

        float[] x = RmsNorm.normalizeWithGain(hidden, 2, norm, 1e-5);
        double[] expected = new double[2 * vocab];
        for (int r = 0; r < 2; r++) {
            for (int v = 0; v < vocab; v++) {
                for (int c = 0; c < d; c++) {
                    expected[r * vocab + v] += (double) x[r * d + c] * lmHead[v * d + c];
                }
            }
        }
        assertThat(RandomBlocks.maxAbsDiff(expected, logits)).as("logits = norm(h)·gain·lm_headᵀ")
                .isLessThan(1e-5);
    }
}
