package dev.rotcal.demo;

import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.ModelWeights;
import dev.rotcal.model.forward.RmsNorm;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.model.safetensors.BFloat16;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo model's lm_head, fitted so that its perplexity means something: the demo's other weights are random
 * apart from the planted circuit, so a random head predicts worse than a uniform guess and quantization noise moves
 * its perplexity either way. Here the float model runs over a corpus of its own (a separate seed stream, never the
 * calibration or evaluation text), and the head is the ridge regression of the next token's one-hot vector (scaled
 * to logits) on the final normed hidden states: W = c·S·(XᵀX + λ·I)⁻¹, S[v] = Σ of the states followed by token v.
 * A linear read-out of the residual stream is what a trained head is, so quantization damage to the stream now shows
 * in the perplexity.
 */
final class DemoHead {
    /** Tokens the head is fitted on (windows of {@link #WINDOW}). */
    static final int FIT_TOKENS = 32 * 256;
    static final int WINDOW = 256;
    /** Logit scale of the one-hot targets. */
    static final double LOGIT_SCALE = 24.0;
    /** Ridge, relative to mean(diag XᵀX). */
    static final double RIDGE = 1e-2;

    private DemoHead() {
    }

    /**
     * @param embed    (vocab, d) the embedding table as written (BF16-rounded)
     * @param layers   the decoder layers as written (BF16-rounded)
     * @param finalNorm (d) the final norm's gain as written
     * @return (vocab, d) row-major lm_head
     */
    static float[] fit(ModelConfig config, DemoVocabulary vocabulary, long seed, float[] embed,
                       List<LayerWeights> layers, float[] finalNorm) {
        int d = config.hiddenSize();
        int vocab = config.vocabSize();
        SplittableRandom random = SeededStreams.stream(seed, "corpus.head-fit");
        int[] corpus = DemoCorpus.generate(vocabulary, FIT_TOKENS, random);
        int windows = corpus.length / WINDOW;
        int[] tokens = java.util.Arrays.copyOf(corpus, windows * WINDOW);
        float[] hidden;
        ModelWeights weights = new ModelWeights(vocab, embed, layers, finalNorm, new float[vocab * d]);
        int threads = DenseLinearAlgebra.blasThreads();
        DenseLinearAlgebra.setBlasThreads(1); // one BLAS thread: the same head bits whatever the machine's cores
        try (ModelForward forward = new ModelForward(DecoderShape.of(config), RotaryEmbedding.of(config), weights)) {
            hidden = forward.runLayers(tokens, WINDOW, CaptureSwitches.NONE, (layer, residual, captures) -> { });
        } finally {
            DenseLinearAlgebra.setBlasThreads(threads);
        }
        int n = tokens.length;
        float[] x = new float[n * d]; // (n, d) final normed states
        RmsNorm.normalize(hidden, x, n, d, config.rmsNormEps());
        RmsNorm.applyGain(x, n, finalNorm);

        double[] gram = new double[d * d]; // (d, d) XᵀX over the scored rows
        double[] sums = new double[vocab * d]; // (vocab, d) S[v] = Σ x_t with next token v
        double[] xd = new double[windows * (WINDOW - 1) * d]; // (scored rows, d)
        int rows = 0;
        for (int t = 0; t < n; t++) {
            if (t % WINDOW == WINDOW - 1) {
                continue;
            }
            int next = tokens[t + 1];
            for (int j = 0; j < d; j++) {
                double v = x[t * d + j];
                xd[rows * d + j] = v;
                sums[next * d + j] += v;
            }
            rows++;
        }
        DenseLinearAlgebra.setBlasThreads(1);
        try {
            DenseLinearAlgebra.gemm(true, false, d, d, rows, 1.0, xd, xd, 0.0, gram);
        } finally {
            DenseLinearAlgebra.setBlasThreads(threads);
        }
        double meanDiag = 0;
        for (int j = 0; j < d; j++) {
            meanDiag += gram[j * d + j] / d;
        }
        for (int j = 0; j < d; j++) {
            gram[j * d + j] += RIDGE * meanDiag;
        }
        double[] inverse = DenseLinearAlgebra.cholesky(gram, d).orElseThrow(() -> new IllegalStateException(
                "[BUG] the demo head's ridge system is not positive definite")).inverse();
        double[] head = new double[vocab * d]; // (vocab, d) c·S·(XᵀX + λI)⁻¹
        DenseLinearAlgebra.gemm(false, false, vocab, d, d, LOGIT_SCALE, sums, inverse, 0.0, head);
        float[] out = new float[vocab * d];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) head[i];
        }
        return out;
    }

    /** The values as the BF16 writer stores them. */
    static float[] bf16(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = BFloat16.toFloat(BFloat16.fromFloat(values[i]));
        }
        return out;
    }
}
