package dev.rotcal.model.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An independent LLaMA-family forward for tests: plain loops in double, no BLAS, no production kernel. It
 * follows Hugging Face's modeling_llama / modeling_qwen2 literally: RMSNorm = x·rsqrt(mean(x²) + eps)·gain,
 * q/k/v (+ bias), RoPE as q·cos + rotate_half(q)·sin with inv_freq computed here from the closed form
 * (llama3 rope_scaling included), GQA by repeating each KV head for its group of query heads, causal softmax,
 * o_proj, SwiGLU, final norm, lm_head (embed_tokens when tied).
 */
final class PlainReferenceForward {

    /** What one layer computed for the block; every array is (rows, width). */
    record Layer(double[][] attnIn, double[] attnRms, double[][] mlpIn, double[] mlpRms, double[][] attnOut,
                 double[][] downIn, double[][] keys, double[][] values) {
    }

    /** Per-layer intermediates and the final logits (rows, vocab). */
    record Result(List<Layer> layers, double[][] logits) {
    }

    private final TinyCheckpoint.Spec s;
    private final Map<String, float[]> w;
    private final double[] invFreq; // (headDim / 2)

    PlainReferenceForward(TinyCheckpoint checkpoint) {
        this.s = checkpoint.spec;
        this.w = checkpoint.tensors;
        this.invFreq = inverseFrequencies(s);
    }

    /**
     * inv_freq[i] = 1 / theta^(2i / headDim); with llama3 rope_scaling, HF's _compute_llama3_parameters:
     * wavelength 2π / inv_freq above original / low_freq_factor → inv_freq / factor; below
     * original / high_freq_factor → unchanged; between → (1 − smooth)·inv_freq / factor + smooth·inv_freq with
     * smooth = (original / wavelength − low) / (high − low).
     */
    static double[] inverseFrequencies(TinyCheckpoint.Spec s) {
        double[] inv = new double[s.headDim() / 2];
        for (int i = 0; i < inv.length; i++) {
            double base = 1.0 / Math.pow(s.ropeTheta(), 2.0 * i / s.headDim());
            if (s.llama3() == null) {
                inv[i] = base;
                continue;
            }
            double factor = s.llama3()[0];
            double low = s.llama3()[1];
            double high = s.llama3()[2];
            double original = s.llama3()[3];
            double wavelength = 2 * Math.PI / base;
            if (wavelength < original / high) {
                inv[i] = base;
            } else if (wavelength > original / low) {
                inv[i] = base / factor;
            } else {
                double smooth = (original / wavelength - low) / (high - low);
                inv[i] = (1 - smooth) * base / factor + smooth * base;
            }
        }
        return inv;
    }

    /** Runs the model on sequences of {@code seqLen} tokens laid end to end; positions restart per sequence. */
    Result forward(int[] tokens, int seqLen) {
        int d = s.hidden();
        int rows = tokens.length;
        double[][] h = new double[rows][d];
        float[] embed = w.get("model.embed_tokens.weight");
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < d; c++) {
                h[r][c] = embed[tokens[r] * d + c];
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < s.layers(); l++) {
            layers.add(layer(h, l, seqLen));
        }
        double[][] x = rmsNorm(h, w.get("model.norm.weight"), null);
        float[] head = w.get(s.tied() ? "model.embed_tokens.weight" : "lm_head.weight");
        return new Result(layers, linear(x, head, null, s.vocab()));
    }

    /** One decoder layer; updates h in place. */
    private Layer layer(double[][] h, int l, int seqLen) {
        String p = "model.layers." + l + ".";
        int rows = h.length;
        double[] attnRms = new double[rows];
        double[][] attnIn = rmsNorm(h, null, attnRms);
        double[][] x = rmsNorm(h, w.get(p + "input_layernorm.weight"), null);
        double[][] q = linear(x, w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"), s.qWidth());
        double[][] k = linear(x, w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"), s.kvWidth());
        double[][] v = linear(x, w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"), s.kvWidth());
        rope(q, s.heads(), seqLen);
        rope(k, s.kvHeads(), seqLen);
        double[][] attn = attention(q, k, v, seqLen);
        add(h, linear(attn, w.get(p + "self_attn.o_proj.weight"), null, s.hidden()));

        double[] mlpRms = new double[rows];
        double[][] mlpIn = rmsNorm(h, null, mlpRms);
        x = rmsNorm(h, w.get(p + "post_attention_layernorm.weight"), null);
        double[][] gate = linear(x, w.get(p + "mlp.gate_proj.weight"), null, s.intermediate());
        double[][] up = linear(x, w.get(p + "mlp.up_proj.weight"), null, s.intermediate());
        double[][] down = new double[rows][s.intermediate()];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < s.intermediate(); j++) {
                double g = gate[r][j];
                down[r][j] = g / (1 + Math.exp(-g)) * up[r][j];      // silu(gate) · up
            }
        }
        add(h, linear(down, w.get(p + "mlp.down_proj.weight"), null, s.hidden()));
        return new Layer(attnIn, attnRms, mlpIn, mlpRms, attn, down, k, v);
    }

    /** x·rsqrt(mean(x²) + eps), times gain unless gain is null; the divisor of each row into rms if given. */
    private double[][] rmsNorm(double[][] h, float[] gain, double[] rms) {
        double[][] out = new double[h.length][];
        for (int r = 0; r < h.length; r++) {
            double sumSq = 0;
            for (double value : h[r]) {
                sumSq += value * value;
            }
            double divisor = Math.sqrt(sumSq / h[r].length + s.eps());
            if (rms != null) {
                rms[r] = divisor;
            }
            out[r] = new double[h[r].length];
            for (int c = 0; c < h[r].length; c++) {
                out[r][c] = h[r][c] / divisor * (gain == null ? 1 : gain[c]);
            }
        }
        return out;
    }

    /** y = x·Wᵀ + b with W stored [out, in] row-major. */
    private static double[][] linear(double[][] x, float[] weight, float[] bias, int out) {
        double[][] y = new double[x.length][out];
        for (int r = 0; r < x.length; r++) {
            int in = x[r].length;
            for (int o = 0; o < out; o++) {
                double sum = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    sum += x[r][i] * weight[o * in + i];
                }
                y[r][o] = sum;
            }
        }
        return y;
    }

    /** q·cos + rotate_half(q)·sin per head, angle = position · inv_freq[i] for the pair (i, i + half). */
    private void rope(double[][] x, int nHeads, int seqLen) {
        int half = s.headDim() / 2;
        for (int r = 0; r < x.length; r++) {
            int position = r % seqLen;
            for (int hd = 0; hd < nHeads; hd++) {
                int off = hd * s.headDim();
                for (int i = 0; i < half; i++) {
                    double angle = position * invFreq[i];
                    double x1 = x[r][off + i];
                    double x2 = x[r][off + half + i];
                    x[r][off + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                    x[r][off + half + i] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                }
            }
        }
    }

    /** Causal softmax(q·kᵀ / √headDim)·v per sequence and query head; head h reads KV head h / group. */
    private double[][] attention(double[][] q, double[][] k, double[][] v, int seqLen) {
        int hd = s.headDim();
        int group = s.heads() / s.kvHeads();
        double[][] out = new double[q.length][s.qWidth()];
        for (int r = 0; r < q.length; r++) {
            int first = r - r % seqLen;                        // the sequence's first row
            for (int head = 0; head < s.heads(); head++) {
                int qOff = head * hd;
                int kvOff = head / group * hd;
                double[] scores = new double[r - first + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= r; j++) {
                    double dot = 0;
                    for (int c = 0; c < hd; c++) {
                        dot += q[r][qOff + c] * k[j][kvOff + c];
                    }
                    scores[j - first] = dot / Math.sqrt(hd);
                    max = Math.max(max, scores[j - first]);
                }
                double sum = 0;
                for (int j = 0; j < scores.length; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = first; j <= r; j++) {
                    double p = scores[j - first] / sum;
                    for (int c = 0; c < hd; c++) {
                        out[r][qOff + c] += p * v[j][kvOff + c];
                    }
                }
            }
        }
        return out;
    }

    private static void add(double[][] h, double[][] delta) {
        for (int r = 0; r < h.length; r++) {
            for (int c = 0; c < h[r].length; c++) {
                h[r][c] += delta[r][c];
            }
        }
    }
}
