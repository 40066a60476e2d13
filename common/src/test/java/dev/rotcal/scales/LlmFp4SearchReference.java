package dev.rotcal.scales;

import dev.rotcal.quant.FpExMyQuantizer;
import dev.rotcal.quant.FpFormat;
import java.util.List;

/**
 * The original, plain implementation of {@link LlmFp4Search} (every layer-output product a Java triple loop
 * with the dot products summed in double, one weight row and one candidate at a time), kept as the reference
 * the BLAS search must reproduce: same format, biases, shifts and (to rounding of the sums) errors. Argument
 * checks are left to the fast search; the pre-shift helpers ({@link LlmFp4Search#channelBiases} …) are shared.
 */
final class LlmFp4SearchReference {
    private LlmFp4SearchReference() {
    }

    static LlmFp4Result search(float[] weights, int out, int in, float[] x, int n, int steps, int rounds,
                               List<FpFormat> formats) {
        double[] target = exact(x, n, weights, out, in); // (n, out) X·Wᵀ in double
        double[] errors = new double[formats.size()]; // (formats)
        FormatSearch best = null;
        int bestIndex = -1;
        for (int f = 0; f < formats.size(); f++) {
            FormatSearch s = new FormatSearch(formats.get(f), weights, out, in, x, n, target, steps);
            s.run(rounds);
            errors[f] = s.error;
            if (best == null || s.error < best.error) {
                best = s;
                bestIndex = f;
            }
        }
        FpFormat format = formats.get(bestIndex);
        double[] channelBiases = LlmFp4Search.channelBiases(x, n, in, format, best.activationBias);
        int[] shifts = LlmFp4Search.channelShifts(channelBiases, format);
        float[] folded = LlmFp4Search.foldShifts(weights, out, in, shifts);
        return new LlmFp4Result(format, best.activationBias, best.weightBiases, channelBiases, shifts, folded,
                List.copyOf(formats), errors);
    }

    /**
     * Y = X·Wᵀ in double.
     *
     * @param x (n, in) row-major
     * @param w (out, in) row-major
     * @return (n, out) row-major
     */
    static double[] exact(float[] x, int n, float[] w, int out, int in) {
        double[] y = new double[Math.multiplyExact(n, out)]; // (n, out)
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < out; r++) {
                double sum = 0;
                for (int c = 0; c < in; c++) {
                    sum += (double) x[t * in + c] * w[r * in + c];
                }
                y[t * out + r] = sum;
            }
        }
        return y;
    }

    /**
     * ‖Y − X̂·Ŵᵀ‖².
     *
     * @param xq     (n, in) row-major X̂
     * @param wq     (out, in) row-major Ŵ
     * @param target (n, out) row-major Y
     */
    static double error(float[] xq, int n, int in, float[] wq, int out, double[] target) {
        double total = 0;
        for (int r = 0; r < out; r++) {
            total += columnError(xq, n, in, wq, r * in, target, out, r);
        }
        return total;
    }

    /**
     * Σ_t (Y_tr − x̂_t · ŵ)², the error of output column r with the weight row ŵ = wq[off, off + in).
     *
     * @param xq     (n, in) row-major X̂
     * @param target (n, out) row-major Y
     */
    static double columnError(float[] xq, int n, int in, float[] wq, int off, double[] target, int out, int r) {
        double total = 0;
        for (int t = 0; t < n; t++) {
            double dot = 0;
            for (int c = 0; c < in; c++) {
                dot += (double) xq[t * in + c] * wq[off + c];
            }
            double d = target[t * out + r] - dot;
            total += d * d;
        }
        return total;
    }

    /** The alternating search of one format. */
    private static final class FormatSearch {
        private final FpFormat format;
        private final float[] w; // (out, in)
        private final int out;
        private final int in;
        private final float[] x; // (n, in)
        private final int n;
        private final double[] target; // (n, out) X·Wᵀ
        private final double[] factors; // (steps)
        private final float[] rowMax; // (out) max |w_r|
        private final float xMax;
        private final double[] weightBiases; // (out)
        private final float[] wq; // (out, in) Q(W) at the current biases
        private final float[] xq; // (n, in) Q(X) at the current bias
        private double activationBias;
        private double error;

        FormatSearch(FpFormat format, float[] w, int out, int in, float[] x, int n, double[] target, int steps) {
            this.format = format;
            this.w = w;
            this.out = out;
            this.in = in;
            this.x = x;
            this.n = n;
            this.target = target;
            this.factors = LlmFp4Search.candidateFactors(steps);
            this.rowMax = new float[out];
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    rowMax[r] = Math.max(rowMax[r], Math.abs(w[r * in + c]));
                }
            }
            float m = 0f;
            for (float v : x) {
                m = Math.max(m, Math.abs(v));
            }
            this.xMax = m;
            this.weightBiases = new double[out];
            for (int r = 0; r < out; r++) {
                weightBiases[r] = biasFor(rowMax[r]);
            }
            this.activationBias = biasFor(xMax);
            this.wq = new float[out * in];
            FpExMyQuantizer.fakeQuantPerRow(w, wq, out, in, format, weightBiases);
            this.xq = new float[n * in];
            FpExMyQuantizer.fakeQuant(x, xq, 0, n * in, format, activationBias);
        }

        /** Bias with maxval = max (the conventional bias for an all-zero slot, which quantizes to 0 anyway). */
        private double biasFor(double max) {
            return max > 0 ? format.biasForMaxValue(max) : format.standardBias();
        }

        void run(int rounds) {
            float[] candidateW = new float[out * in]; // (out, in) row r holds the candidate Q(w_r)
            float[] candidateX = new float[n * in]; // (n, in) candidate Q(X)
            for (int round = 0; round < rounds; round++) {
                for (int r = 0; r < out; r++) {
                    if (rowMax[r] == 0f) {
                        continue;
                    }
                    double best = columnError(xq, n, in, wq, r * in, target, out, r);
                    for (double factor : factors) {
                        double bias = format.biasForMaxValue(factor * rowMax[r]);
                        FpExMyQuantizer.fakeQuant(w, candidateW, r * in, in, format, bias);
                        double err = columnError(xq, n, in, candidateW, r * in, target, out, r);
                        if (err < best) {
                            best = err;
                            weightBiases[r] = bias;
                            System.arraycopy(candidateW, r * in, wq, r * in, in);
                        }
                    }
                }
                if (xMax > 0f) {
                    double best = error(xq, n, in, wq, out, target);
                    for (double factor : factors) {
                        double bias = format.biasForMaxValue(factor * xMax);
                        FpExMyQuantizer.fakeQuant(x, candidateX, 0, n * in, format, bias);
                        double err = error(candidateX, n, in, wq, out, target);
                        if (err < best) {
                            best = err;
                            activationBias = bias;
                            System.arraycopy(candidateX, 0, xq, 0, n * in);
                        }
                    }
                }
            }
            error = error(xq, n, in, wq, out, target);
        }
    }
}
