package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NextTokenLossTest {

    @Test
    void nllIsMinusLogSoftmaxOfTheNextToken() {
        int vocab = 3;
        int seqLen = 3;
        float[] logits = {
            1, 2, 3,   0, 0, 0,   9, 9, 9,      // sequence 0 (last row unused)
            5, 1, 1,   2, -1, 0,  0, 0, 0};     // sequence 1
        int[] tokens = {0, 2, 1, 1, 0, 2};
        double[] nll = NextTokenLoss.nll(logits, tokens, seqLen, vocab);

        double z0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertThat(nll).as("(sequences, seqLen − 1) entries").hasSize(4);
        assertThat(nll[0]).as("row 0 predicts token 2").isCloseTo(z0 - 3, within(1e-12));
        assertThat(nll[1]).as("uniform row predicts token 1").isCloseTo(Math.log(3), within(1e-12));
        assertThat(nll[2]).as("sequence 1 row 0 predicts token 0")
                .isCloseTo(Math.log(Math.exp(5) + 2 * Math.exp(1)) - 5, within(1e-12));
        assertThat(nll[3]).isCloseTo(Math.log(Math.exp(2) + Math.exp(-1) + 1) - 0, within(1e-12));
    }

    @Test
    void largeLogitsStayFinite() {
        float[] logits = {1000f, 0f, -1000f};
        assertThat(NextTokenLoss.nll(logits, 0, 3, 1)).as("log-softmax subtracts the max")
                .isCloseTo(1000, within(1e-9));
    }
}
