package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.FpExMyQuantizer;
import dev.rotcal.quant.FpFormat;
import java.util.List;

/**
 * LLM-FP4's format and exponent-bias search for one linear (arXiv 2310.16830, reference/FORMATS.md).
 *
 * <p>For each 4-bit format (E3M0, E2M1, E1M2): start from the biases whose maxval is the observed max (per
 * output channel for the weights, per tensor for the activations), then alternate {@code rounds} times
 * (3 in the paper): every weight channel takes the maxval candidate in [0.01, 1.2] × its observed max
 * ({@code steps} points, 100 in the paper) minimizing its output column's error with the current Q(X); then
 * the activation tensor takes the candidate minimizing the whole output error with the current Q(W). A
 * candidate replaces the current bias only when strictly better, so the observed-max start is kept on ties.
 * The objective is the layer output: ‖X·Wᵀ − Q(X)·Q(W)ᵀ‖², summed in double. The format with the smallest
 * error wins (ties: the earlier format in the list).
 *
 * <p>Pre-shifted exponent bias: per-channel activation biases b_c are those of the chosen format with the
 * searched clip applied per channel (maxval_c = clip · max_t |x_tc|, clip = maxval / max|X|), so their
 * minimum b̃ is the searched tensor bias. ρ_c = clamp(rint(b_c) − rint(b̃), 0, 2^E − 1). Since for an
 * integer ρ, Q_{b̃+ρ}(x) = 2^−ρ · Q_b̃(2^ρ · x) exactly, a channel quantized with bias b̃ + ρ_c runs with the
 * tensor bias b̃ on 2^ρ_c · x_c while weight column c carries 2^−ρ_c (both exact power-of-two scalings).
 *
 * <p>Cost: O(rounds · steps · n · out · in) per format; pass a sample of rows. The products are double GEMMs
 * ({@link LayerOutput}): in the weight search one per candidate factor for all output channels at once (each
 * row quantized with its own bias at that factor, each channel keeping its own best), in the activation
 * search one per candidate. Candidates are compared in the same order as a row-by-row search, with the same
 * strict improvement, so the choices are those of the plain loops (LlmFp4SearchReference in the tests).
 */
public final class LlmFp4Search {
    /** The paper's maxval candidates per search. */
    public static final int DEFAULT_STEPS = 100;
    /** The paper's alternating rounds weights ↔ activations. */
    public static final int DEFAULT_ROUNDS = 3;
    /** Candidate range of maxval as a fraction of the observed max. */
    public static final double MIN_FACTOR = 0.01;
    public static final double MAX_FACTOR = 1.2;
    /** LLM-FP4's 4-bit candidates, in search order. */
    public static final List<FpFormat> FORMATS = List.of(FpFormat.E3M0, FpFormat.E2M1, FpFormat.E1M2);

    private LlmFp4Search() {
    }

    /** The paper's settings: 100 steps, 3 rounds, E3M0 / E2M1 / E1M2. */
    public static LlmFp4Result search(float[] weights, int out, int in, float[] x, int n) {
        return search(weights, out, in, x, n, DEFAULT_STEPS, DEFAULT_ROUNDS, FORMATS);
    }

    /**
     * @param weights (out, in) row-major W (HF layout)
     * @param x       (n, in) row-major sample of the linear's input rows
     * @param steps   maxval candidates per search (≥ 2), evenly spaced over [0.01, 1.2] × observed max
     * @param rounds  alternating rounds weights ↔ activations (≥ 1)
     * @param formats candidate formats, in search order
     */
    public static LlmFp4Result search(float[] weights, int out, int in, float[] x, int n, int steps, int rounds,
                                      List<FpFormat> formats) {
        checkArgument(out > 0 && in > 0 && weights.length == Math.multiplyExact((long) out, in),
                "Cannot search FP4 formats for a (%d, %d) weight: the array holds %d floats", out, in,
                weights.length);
        checkArgument(n > 0 && x.length == Math.multiplyExact((long) n, in),
                "Cannot search FP4 formats with %d input rows of width %d: the array holds %d floats (pass a "
                        + "non-empty (n, in) sample)", n, in, x.length);
        checkArgument(steps >= 2 && rounds >= 1,
                "Cannot search FP4 biases with %d steps and %d rounds: need steps >= 2 and rounds >= 1", steps,
                rounds);
        checkArgument(formats != null && !formats.isEmpty(), "Cannot search FP4 formats: no candidate format");
        checkFinite(weights, "weights");
        checkFinite(x, "input rows");
        double[] target = LayerOutput.exact(x, n, weights, out, in); // (n, out) X·Wᵀ in double
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
        double[] channelBiases = channelBiases(x, n, in, format, best.activationBias);
        int[] shifts = channelShifts(channelBiases, format);
        float[] folded = foldShifts(weights, out, in, shifts);
        return new LlmFp4Result(format, best.activationBias, best.weightBiases, channelBiases, shifts, folded,
                List.copyOf(formats), errors);
    }

    /**
     * Per-channel biases b_c with the tensor's clip applied per channel: maxval_c = clip · max_t |x_tc|, clip =
     * maxval(format, tensorBias) / max|X|. NaN for an all-zero channel.
     *
     * @param x (n, in) row-major
     * @return (in) biases
     */
    public static double[] channelBiases(float[] x, int n, int in, FpFormat format, double tensorBias) {
        float[] channelMax = new float[in]; // (in) max_t |x_tc|
        float tensorMax = 0f;
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < in; c++) {
                channelMax[c] = Math.max(channelMax[c], Math.abs(x[t * in + c]));
            }
        }
        for (float v : channelMax) {
            tensorMax = Math.max(tensorMax, v);
        }
        double[] biases = new double[in]; // (in)
        double clip = tensorMax == 0f ? 1 : format.maxValue(tensorBias) / tensorMax;
        for (int c = 0; c < in; c++) {
            biases[c] = channelMax[c] == 0f ? Double.NaN : format.biasForMaxValue(clip * channelMax[c]);
        }
        return biases;
    }

    /**
     * ρ_c = clamp(rint(b_c) − rint(b̃), 0, 2^E − 1) with b̃ = min_c b_c over the non-zero channels (NaN
     * biases get ρ = 0).
     *
     * @param channelBiases (in) per-channel activation biases
     * @return (in) integer shifts
     */
    public static int[] channelShifts(double[] channelBiases, FpFormat format) {
        double min = Double.POSITIVE_INFINITY;
        for (double b : channelBiases) {
            if (!Double.isNaN(b)) {
                min = Math.min(min, b);
            }
        }
        int maxShift = (1 << format.exponentBits()) - 1;
        int[] shifts = new int[channelBiases.length]; // (in)
        for (int c = 0; c < shifts.length; c++) {
            if (!Double.isNaN(channelBiases[c])) {
                double rho = Math.rint(channelBiases[c]) - Math.rint(min);
                shifts[c] = (int) Math.min(Math.max(rho, 0), maxShift);
            }
        }
        return shifts;
    }

    /**
     * W with column c multiplied by 2^−ρ_c (exact unless it underflows into float subnormals).
     *
     * @param weights (out, in) row-major
     * @param shifts  (in) ρ
     * @return (out, in) row-major folded weights
     */
    public static float[] foldShifts(float[] weights, int out, int in, int[] shifts) {
        checkArgument(shifts.length == in, "Cannot fold %d channel shifts into a weight with %d input channels",
                shifts.length, in);
        float[] folded = new float[out * in]; // (out, in)
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                folded[r * in + c] = Math.scalb(weights[r * in + c], -shifts[c]);
            }
        }
        return folded;
    }

    /**
     * The activation side of the fold: column c multiplied by 2^ρ_c, what the tensor-bias quantizer sees.
     *
     * @param x      (n, in) row-major
     * @param shifts (in) ρ
     * @return (n, in) row-major shifted rows
     */
    public static float[] shiftActivations(float[] x, int n, int in, int[] shifts) {
        checkArgument(shifts.length == in, "Cannot shift rows of width %d by %d channel shifts", in, shifts.length);
        float[] shifted = new float[n * in]; // (n, in)
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < in; c++) {
                shifted[t * in + c] = Math.scalb(x[t * in + c], shifts[c]);
            }
        }
        return shifted;
    }

    /** Maxval candidate factors: MIN_FACTOR + (MAX_FACTOR − MIN_FACTOR) · i / (steps − 1), i = 0 … steps − 1. */
    public static double[] candidateFactors(int steps) {
        double[] factors = new double[steps];
        for (int i = 0; i < steps; i++) {
            factors[i] = MIN_FACTOR + (MAX_FACTOR - MIN_FACTOR) * i / (steps - 1);
        }
        return factors;
    }

    private static void checkFinite(float[] a, String what) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                checkArgument(false, "Cannot search FP4 formats: the %s hold %s at index %d", what, a[i],
                        i);
            }
        }
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
            this.factors = candidateFactors(steps);
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

        /** {@code rounds} alternations of the weight and activation searches, then the final error. */
        void run(int rounds) {
            LayerOutput products = new LayerOutput(target, n, out, in);
            for (int round = 0; round < rounds; round++) {
                products.input(xq);
                for (int first = 0; first < out; first += products.blockRows()) {
                    searchWeightBiases(products, first, Math.min(products.blockRows(), out - first));
                }
                if (xMax > 0f) {
                    searchActivationBias(products);
                }
            }
            products.input(xq);
            error = products.error(wq);
        }

        /**
         * Every row r of [first, first + count) takes the first candidate strictly better than its current
         * column error; all rows' candidates of one factor go through one GEMM with the current Q(X).
         */
        private void searchWeightBiases(LayerOutput products, int first, int count) {
            float[] rows = new float[count * in]; // (count, in) W rows of the block
            System.arraycopy(w, first * in, rows, 0, count * in);
            float[] candidate = new float[count * in]; // (count, in) candidate Q(w_r) at one factor
            double[] candidateBias = new double[count]; // (count)
            double[] best = new double[count]; // (count) column error of the current Q(w_r)
            double[] errors = new double[count]; // (count) column errors of the candidate rows
            products.weights(wq, first * in, first, count);
            products.columnErrors(best);
            for (double factor : factors) {
                for (int i = 0; i < count; i++) {
                    float max = rowMax[first + i];
                    if (max > 0f) { // an all-zero row stays 0 in every candidate and is never replaced
                        candidateBias[i] = format.biasForMaxValue(factor * max);
                        FpExMyQuantizer.fakeQuant(rows, candidate, i * in, in, format, candidateBias[i]);
                    }
                }
                products.weights(candidate, 0, first, count);
                products.columnErrors(errors);
                for (int i = 0; i < count; i++) {
                    int r = first + i;
                    if (rowMax[r] > 0f && errors[i] < best[i]) {
                        best[i] = errors[i];
                        weightBiases[r] = candidateBias[i];
                        System.arraycopy(candidate, i * in, wq, r * in, in);
                    }
                }
            }
        }

        /**
         * The activation bias takes the first candidate strictly better than the current output error, with the
         * current Q(W); one GEMM per candidate (per block of weight rows when W is model-sized).
         */
        private void searchActivationBias(LayerOutput products) {
            boolean oneBlock = products.blockRows() >= out;
            if (oneBlock) {
                products.weights(wq, 0, 0, out); // kept for every candidate
            }
            float[] candidateX = new float[n * in]; // (n, in) candidate Q(X)
            products.input(xq);
            double best = oneBlock ? products.blockError() : products.error(wq);
            for (double factor : factors) {
                double bias = format.biasForMaxValue(factor * xMax);
                FpExMyQuantizer.fakeQuant(x, candidateX, 0, n * in, format, bias);
                products.input(candidateX);
                double err = oneBlock ? products.blockError() : products.error(wq);
                if (err < best) {
                    best = err;
                    activationBias = bias;
                    System.arraycopy(candidateX, 0, xq, 0, n * in);
                }
            }
        }
    }
}
