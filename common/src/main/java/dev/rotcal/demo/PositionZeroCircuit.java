package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.demo.DemoMagnitudes.ABS_SHARPNESS;
import static dev.rotcal.demo.DemoMagnitudes.POSITION_GAP;
import static dev.rotcal.model.LayerTensor.DOWN_PROJ;
import static dev.rotcal.model.LayerTensor.GATE_PROJ;
import static dev.rotcal.model.LayerTensor.K_PROJ;
import static dev.rotcal.model.LayerTensor.O_PROJ;
import static dev.rotcal.model.LayerTensor.Q_PROJ;
import static dev.rotcal.model.LayerTensor.UP_PROJ;
import static dev.rotcal.model.LayerTensor.V_PROJ;

/**
 * Layer 0's circuit: Z ≈ Σ_k |code_k(t_i) − mean_{j≤i} code_k(t_j)|, which is exactly 0 at position 0 and
 * clearly positive wherever the tokens so far are not all the same.
 *
 * <p>Attention (query heads 0 and 1; with GQA both on KV head 0, without it on KV heads 0 and 1, whose
 * value rows for the code are then the same single-entry rows, so both heads see the same numbers):
 * <ul>
 *   <li>self head 0: q and k read only c0, a constant, so after RoPE the score depends only on Δ = i − j:
 *       score(Δ) = A·B·Σ_{p&lt;P} cos(Δ·ω_p) / √head_dim over the P fastest rotary pairs (6 in the demo, 12 at
 *       head_dim 128). It peaks at Δ = 0 and |q||k| is set so the peak beats every Δ in 1..positions−1 by
 *       {@value DemoMagnitudes#POSITION_GAP} logits: the head attends to j = i;</li>
 *   <li>prefix-mean head 1: q = 0, so all scores are 0 and the causal softmax averages j = 0..i;</li>
 *   <li>v of the KV head(s), dims 0..m−1: a_v·code_k (reads only code channel k);</li>
 *   <li>o_proj row D_k = +1·head0[k] − 1·head1[k] (±1 is exact, so at i = 0, where both heads return
 *       v_0·1, D_k = v − v = 0 bit for bit).</li>
 * </ul>
 * MLP: for each k two neurons with gate ±β·x[D_k] and up = x[c0]/x̄[c0] ≈ 1 give
 * silu(t) + silu(−t) = t·tanh(t/2) ≈ |t|; down_proj sums them into Z with weight ζ. At i = 0 every gate is
 * ±0, so Z = 0 exactly.
 */
final class PositionZeroCircuit {
    /** Query heads of the circuit (KV head 0 holds the self head's keys). */
    static final int SELF_HEAD = 0;
    static final int MEAN_HEAD = 1;
    /** The largest average cosine the position pairs may reach off the peak. */
    private static final double MAX_OFF_PEAK_COSINE = 0.95;

    private PositionZeroCircuit() {
    }

    /** Writes the circuit into layer 0's weights; {@code rowRms} is r0 of the embedding rows. */
    static void plant(LayerEdits w, CircuitShape c, DemoChannels ch, DemoNeurons neurons, double rowRms) {
        int hd = c.headDim();
        int half = hd / 2;
        int pairs = c.positionPairs();
        double xConstant = c.constant() / rowRms; // x[c0] after input_layernorm, the same at every token
        double qk = Math.sqrt(positionProduct(c));
        int selfKv = SELF_HEAD / c.queriesPerKvHead();
        int meanKv = MEAN_HEAD / c.queriesPerKvHead();   // = selfKv with GQA, 1 without

        // query heads on the self head's KV head must not see its large position dims; heads 0 and 1 are ours
        for (int h = selfKv * c.queriesPerKvHead(); h < (selfKv + 1) * c.queriesPerKvHead(); h++) {
            for (int p = 0; p < pairs; p++) {
                w.zeroRow(Q_PROJ, h * hd + p);
                w.zeroRow(Q_PROJ, h * hd + half + p);
            }
        }
        for (int r = 0; r < hd; r++) {
            w.zeroRow(Q_PROJ, SELF_HEAD * hd + r);
            w.zeroRow(Q_PROJ, MEAN_HEAD * hd + r);
        }
        // self head: q = k = (qk, 0) in each position pair before RoPE, read from c0
        for (int p = 0; p < pairs; p++) {
            w.set(Q_PROJ, SELF_HEAD * hd + p, ch.constant(), (float) (qk / xConstant));
            w.zeroRow(K_PROJ, selfKv * hd + p);
            w.zeroRow(K_PROJ, selfKv * hd + half + p);
            w.set(K_PROJ, selfKv * hd + p, ch.constant(), (float) (qk / xConstant));
        }
        // v of the heads' KV head(s): dim k = a_v · code_k
        int[] kvHeads = selfKv == meanKv ? new int[] {selfKv} : new int[] {selfKv, meanKv};
        for (int kv : kvHeads) {
            for (int k = 0; k < c.codeWidth(); k++) {
                w.zeroRow(V_PROJ, kv * hd + k);
                w.set(V_PROJ, kv * hd + k, ch.code()[k], (float) (c.valueScale() * rowRms / c.code()));
            }
        }
        // o_proj: D_k = self − mean
        for (int k = 0; k < c.codeWidth(); k++) {
            w.set(O_PROJ, ch.difference()[k], SELF_HEAD * hd + k, 1f);
            w.set(O_PROJ, ch.difference()[k], MEAN_HEAD * hd + k, -1f);
        }
        plantAbsoluteValue(w, c, ch, neurons, rowRms);
    }

    /** Layer 0's MLP: Z = ζ·Σ_k |β·x[D_k]|-ish through pairs of SwiGLU neurons. */
    private static void plantAbsoluteValue(LayerEdits w, CircuitShape c, DemoChannels ch, DemoNeurons neurons,
                                           double rowRms) {
        double beta = ABS_SHARPNESS * rowRms / c.valueScale(); // t = 3 when |D| = a_v at the nominal rms
        double zeta = zPerChannel(c);
        for (int k = 0; k < c.codeWidth(); k++) {
            for (int sign : new int[] {1, -1}) {
                int n = sign > 0 ? neurons.absPositive()[k] : neurons.absNegative()[k];
                w.zeroRow(GATE_PROJ, n);
                w.zeroRow(UP_PROJ, n);
                w.set(GATE_PROJ, n, ch.difference()[k], (float) (sign * beta));
                w.set(UP_PROJ, n, ch.constant(), (float) (rowRms / c.constant()));
                w.zeroColumn(DOWN_PROJ, n);
                w.set(DOWN_PROJ, ch.z(), n, (float) zeta);
            }
        }
    }

    /** ζ: Z gains this much per code channel that differs by a_v (Z_TYPICAL when all m differ). */
    static double zPerChannel(CircuitShape c) {
        return c.zTypical() / (c.codeWidth() * DemoMagnitudes.absPair(ABS_SHARPNESS));
    }

    /** A·B = |q|·|k| per position pair that puts the self head's peak POSITION_GAP logits above any Δ ≠ 0. */
    static double positionProduct(CircuitShape c) {
        double maxCos = maxOffPeakCosine(c.headDim(), c.ropeTheta(), c.positions(), c.positionPairs());
        checkArgument(maxCos < MAX_OFF_PEAK_COSINE, "Cannot plant the demo model's self head: with rope_theta %s"
                + " and head_dim %d the fastest %d rotary pairs average cosine %.3f at some Δ ≠ 0 (needs < %.2f;"
                + " use a smaller rope_theta or max_position_embeddings)", c.ropeTheta(), c.headDim(),
                c.positionPairs(), maxCos, MAX_OFF_PEAK_COSINE);
        return POSITION_GAP * Math.sqrt(c.headDim()) / (c.positionPairs() * (1 - maxCos));
    }

    /** max over Δ = 1..maxPosition−1 of (1/P)·Σ_{p&lt;P} cos(Δ·θ^(−2p/headDim)). */
    static double maxOffPeakCosine(int headDim, double theta, int maxPosition, int pairs) {
        double[] omega = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            omega[p] = StrictMath.pow(theta, -2.0 * p / headDim);
        }
        double max = -1;
        for (int delta = 1; delta < maxPosition; delta++) {
            double sum = 0;
            for (int p = 0; p < pairs; p++) {
                sum += StrictMath.cos(delta * omega[p]);
            }
            max = Math.max(max, sum / pairs);
        }
        return max;
    }
}
