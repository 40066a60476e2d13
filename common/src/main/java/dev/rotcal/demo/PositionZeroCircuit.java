package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.demo.DemoLayerWeights.zeroRow;
import static dev.rotcal.demo.DemoMagnitudes.ABS_SHARPNESS;
import static dev.rotcal.demo.DemoMagnitudes.CODE;
import static dev.rotcal.demo.DemoMagnitudes.CODE_WIDTH;
import static dev.rotcal.demo.DemoMagnitudes.CONSTANT;
import static dev.rotcal.demo.DemoMagnitudes.POSITION_GAP;
import static dev.rotcal.demo.DemoMagnitudes.POSITION_PAIRS;
import static dev.rotcal.demo.DemoMagnitudes.VALUE_SCALE;
import static dev.rotcal.demo.DemoMagnitudes.Z_TYPICAL;

/**
 * Layer 0's circuit: Z ≈ Σ_k |code_k(t_i) − mean_{j≤i} code_k(t_j)|, which is exactly 0 at position 0 and
 * clearly positive wherever the tokens so far are not all the same.
 *
 * <p>Attention (query heads 0 and 1, both on KV head 0, so their values are the same numbers):
 * <ul>
 *   <li>self head 0: q and k read only c0, a constant, so after RoPE the score depends only on Δ = i − j:
 *       score(Δ) = A·B·Σ_{p&lt;6} cos(Δ·ω_p) / √head_dim over the six fastest rotary pairs. It peaks at Δ = 0
 *       and |q||k| is set so the peak beats every Δ in 1..max_position−1 by {@value DemoMagnitudes#POSITION_GAP}
 *       logits: the head attends to j = i;</li>
 *   <li>prefix-mean head 1: q = 0, so all scores are 0 and the causal softmax averages j = 0..i;</li>
 *   <li>v of KV head 0, dims 0..m−1: a_v·code_k (reads only code channel k);</li>
 *   <li>o_proj row D_k = +1·head0[k] − 1·head1[k] (±1 is exact, so at i = 0, where both heads return
 *       v_0·1, D_k = v − v = 0 bit for bit).</li>
 * </ul>
 * MLP: for each k two neurons with gate ±β·x[D_k] and up = x[c0]/x̄[c0] ≈ 1 give
 * silu(t) + silu(−t) = t·tanh(t/2) ≈ |t|; down_proj sums them into Z with weight ζ. At i = 0 every gate is
 * ±0, so Z = 0 exactly.
 */
final class PositionZeroCircuit {
    /** Query heads of the circuit; both use KV head 0. */
    static final int SELF_HEAD = 0;
    static final int MEAN_HEAD = 1;
    /** The largest average cosine the position pairs may reach off the peak. */
    private static final double MAX_OFF_PEAK_COSINE = 0.95;

    private PositionZeroCircuit() {
    }

    /** Writes the circuit into layer 0's weights; {@code rowRms} is r0 of the embedding rows. */
    static void plant(DemoLayerWeights w, DemoModelSpec spec, DemoChannels ch, DemoNeurons neurons, double rowRms) {
        int d = spec.hiddenSize();
        int hd = spec.headDim();
        int half = hd / 2;
        int qDim = spec.numHeads() * hd;
        double xConstant = CONSTANT / rowRms; // x[c0] after input_layernorm, the same at every token
        double qk = Math.sqrt(positionProduct(spec));

        // query heads on KV head 0 must not see KV head 0's large position dims; heads 0 and 1 are all ours
        for (int h = 0; h < spec.queriesPerKvHead(); h++) {
            for (int p = 0; p < POSITION_PAIRS; p++) {
                zeroRow(w.q(), h * hd + p, d);
                zeroRow(w.q(), h * hd + half + p, d);
            }
        }
        for (int r = 0; r < hd; r++) {
            zeroRow(w.q(), SELF_HEAD * hd + r, d);
            zeroRow(w.q(), MEAN_HEAD * hd + r, d);
        }
        // self head: q = k = (qk, 0) in each position pair before RoPE, read from c0
        for (int p = 0; p < POSITION_PAIRS; p++) {
            w.q()[(SELF_HEAD * hd + p) * d + ch.constant()] = (float) (qk / xConstant);
            zeroRow(w.k(), p, d);
            zeroRow(w.k(), half + p, d);
            w.k()[p * d + ch.constant()] = (float) (qk / xConstant);
        }
        // v of KV head 0: dim k = a_v · code_k
        for (int k = 0; k < CODE_WIDTH; k++) {
            zeroRow(w.v(), k, d);
            w.v()[k * d + ch.code()[k]] = (float) (VALUE_SCALE * rowRms / CODE);
        }
        // o_proj: D_k = self − mean
        for (int k = 0; k < CODE_WIDTH; k++) {
            int row = ch.difference()[k] * qDim;
            w.o()[row + SELF_HEAD * hd + k] = 1f;
            w.o()[row + MEAN_HEAD * hd + k] = -1f;
        }
        plantAbsoluteValue(w, spec, ch, neurons, rowRms);
    }

    /** Layer 0's MLP: Z = ζ·Σ_k |β·x[D_k]|-ish through pairs of SwiGLU neurons. */
    private static void plantAbsoluteValue(DemoLayerWeights w, DemoModelSpec spec, DemoChannels ch,
                                           DemoNeurons neurons, double rowRms) {
        int d = spec.hiddenSize();
        int inter = spec.intermediateSize();
        double beta = ABS_SHARPNESS * rowRms / VALUE_SCALE; // t = 3 when |D| = a_v at the nominal rms
        double zeta = zPerChannel();
        for (int k = 0; k < CODE_WIDTH; k++) {
            for (int sign : new int[] {1, -1}) {
                int n = sign > 0 ? neurons.absPositive()[k] : neurons.absNegative()[k];
                zeroRow(w.gate(), n, d);
                zeroRow(w.up(), n, d);
                w.gate()[n * d + ch.difference()[k]] = (float) (sign * beta);
                w.up()[n * d + ch.constant()] = (float) (rowRms / CONSTANT);
                for (int c = 0; c < d; c++) {
                    w.down()[c * inter + n] = 0f;
                }
                w.down()[ch.z() * inter + n] = (float) zeta;
            }
        }
    }

    /** ζ: Z gains this much per code channel that differs by a_v (Z_TYPICAL when all m differ). */
    static double zPerChannel() {
        return Z_TYPICAL / (CODE_WIDTH * DemoMagnitudes.absPair(ABS_SHARPNESS));
    }

    /** A·B = |q|·|k| per position pair that puts the self head's peak POSITION_GAP logits above any Δ ≠ 0. */
    static double positionProduct(DemoModelSpec spec) {
        double maxCos = maxOffPeakCosine(spec.headDim(), spec.ropeTheta(), spec.maxPositionEmbeddings());
        checkArgument(maxCos < MAX_OFF_PEAK_COSINE, "Cannot plant the demo model's self head: with rope_theta %s"
                + " and head_dim %d the fastest %d rotary pairs average cosine %.3f at some Δ ≠ 0 (needs < %.2f;"
                + " use a smaller rope_theta or max_position_embeddings)", spec.ropeTheta(), spec.headDim(),
                POSITION_PAIRS, maxCos, MAX_OFF_PEAK_COSINE);
        return POSITION_GAP * Math.sqrt(spec.headDim()) / (POSITION_PAIRS * (1 - maxCos));
    }

    /** max over Δ = 1..maxPosition−1 of (1/6)·Σ_{p<6} cos(Δ·θ^(−2p/headDim)). */
    static double maxOffPeakCosine(int headDim, double theta, int maxPosition) {
        double max = -1;
        for (int delta = 1; delta < maxPosition; delta++) {
            double sum = 0;
            for (int p = 0; p < POSITION_PAIRS; p++) {
                sum += StrictMath.cos(delta * StrictMath.pow(theta, -2.0 * p / headDim));
            }
            max = Math.max(max, sum / POSITION_PAIRS);
        }
        return max;
    }
}
