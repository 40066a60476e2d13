package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.OutputHead;
import java.util.HashMap;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side, after the last layer: per variant, over the scored positions of a block (all but the last of each
 * sequence), Σ next-token NLL, the count, Σ cross-entropy against the float model's next-token distribution
 * (−Σ p_float · log q) and Σ KL(p_float ‖ q). The last two measure how far quantization moved the model's
 * predictions whatever the float model's own quality.
 */
final class VariantNll implements Function<EvalBlock, HashMap<String, double[]>> {
    private static final long serialVersionUID = 1L;
    /** Rows of logits computed at once (bounds the (rows, vocab) buffers). */
    private static final int CHUNK_ROWS = 64;

    /** Indices into the per-variant sums. */
    static final int NLL = 0;
    static final int COUNT = 1;
    static final int CROSS_ENTROPY = 2;
    static final int KL = 3;

    private final ModelSource model;
    private final Broadcast<EvalPlan> plan;
    private final int blasThreads;

    VariantNll(ModelSource model, Broadcast<EvalPlan> plan, int blasThreads) {
        this.model = model;
        this.plan = plan;
        this.blasThreads = blasThreads;
    }

    @Override
    public HashMap<String, double[]> call(EvalBlock block) {
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelConfig config = model.config();
        EvalPlan p = plan.value();
        int d = config.hiddenSize();
        int vocab = config.vocabSize();
        int rows = block.tokens().rows();
        int seqLen = block.tokens().seqLen();
        HashMap<String, double[]> sums = new HashMap<>();
        for (EvalVariant v : p.variants()) {
            double[] nll = EvalWeightsCache.head(model, config, v, p)
                    .nextTokenNll(block.hidden().get(v.name()), block.tokens().tokens(), seqLen);
            double[] s = new double[4];
            for (double x : nll) {
                s[NLL] += x;
            }
            s[COUNT] = nll.length;
            sums.put(v.name(), s);
        }
        OutputHead floatHead = EvalWeightsCache.head(model, config, EvalVariant.FLOAT, p);
        float[] floatHidden = block.hidden().get(EvalVariant.FLOAT.name());
        for (int r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
            int n = Math.min(CHUNK_ROWS, rows - r0);
            float[] pf = floatHead.logits(slice(floatHidden, r0, n, d), n); // (n, vocab)
            for (EvalVariant v : p.variants()) {
                float[] q = EvalWeightsCache.head(model, config, v, p)
                        .logits(slice(block.hidden().get(v.name()), r0, n, d), n); // (n, vocab)
                double[] s = sums.get(v.name());
                for (int i = 0; i < n; i++) {
                    if ((r0 + i) % seqLen == seqLen - 1) {
                        continue; // the last position predicts nothing scored
                    }
                    double[] ceKl = crossEntropyAndKl(pf, q, i * vocab, vocab);
                    s[CROSS_ENTROPY] += ceKl[0];
                    s[KL] += ceKl[1];
                }
            }
        }
        return sums;
    }

    private static float[] slice(float[] hidden, int r0, int n, int d) {
        float[] out = new float[n * d];
        System.arraycopy(hidden, r0 * d, out, 0, n * d);
        return out;
    }

    /** −Σ p·log q and Σ p·(log p − log q) of one row, p = softmax(zp), q = softmax(zq), in double. */
    static double[] crossEntropyAndKl(float[] zp, float[] zq, int off, int vocab) {
        double lp = logSumExp(zp, off, vocab);
        double lq = logSumExp(zq, off, vocab);
        double ce = 0;
        double kl = 0;
        for (int c = off; c < off + vocab; c++) {
            double logP = zp[c] - lp;
            double pc = Math.exp(logP);
            double logQ = zq[c] - lq;
            ce -= pc * logQ;
            kl += pc * (logP - logQ);
        }
        return new double[] {ce, kl};
    }

    private static double logSumExp(float[] z, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = off; c < off + n; c++) {
            max = Math.max(max, z[c]);
        }
        double sum = 0;
        for (int c = off; c < off + n; c++) {
            sum += Math.exp(z[c] - max);
        }
        return max + Math.log(sum);
    }
}
