package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.FpExMyQuantizer;
import dev.rotcal.quant.FpFormat;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import java.util.List;

/**
 * HQ-DiT-style hybrid format choice for one linear (arXiv 2405.19751): pick INT4 or an FP4 format per layer.
 * HQ-DiT chooses the FP format from the data distribution, but its exact statistic is not in the stored
 * material (reference/FORMATS.md), so this class chooses by the measured layer-output reconstruction error
 * on a sample of input rows, as LLM-FP4 does: ‖X·Wᵀ − Q(X)·Q(W)ᵀ‖², summed in double.
 *
 * <p>Every candidate is plain round-to-nearest with the scale from the observed max, no clip or bias search
 * (those are {@link WeightClipSearch} and {@link LlmFp4Search}), so the comparison is of the grids alone:
 * <ul>
 *   <li>INT4: weights symmetric per output channel (s = max|w_r| / 7), activations symmetric per token;</li>
 *   <li>FP4 ExMy: weights with one exponent bias per output channel, activations one per token, each
 *       bias putting maxval at the observed max.</li>
 * </ul>
 * Per-token activation scales match dynamic serving of both INT4 and FP4 activations.
 *
 * <p>Note: E1M2 with maxval at the observed max is the grid u·{0, 0.25, …, 1.75}, seven even steps of
 * max / 7, i.e. INT4's grid without the unused code −8; its error equals INT4's up to float rounding of the
 * scales, so the two can swap places on uniform data. Pass the candidates without E1M2 to compare distinct grids.
 */
public final class HqDitChoice {
    /** INT4 and LLM-FP4's three FP4 formats. */
    public static final List<HybridFormat> CANDIDATES = List.of(HybridFormat.values());

    private HqDitChoice() {
    }

    /** Every candidate of {@link #CANDIDATES}. */
    public static HqDitResult choose(float[] weights, int out, int in, float[] x, int n) {
        return choose(weights, out, in, x, n, CANDIDATES);
    }

    /**
     * @param weights    (out, in) row-major W
     * @param x          (n, in) row-major sample of the linear's input rows
     * @param candidates at least two formats, in tie-break order
     */
    public static HqDitResult choose(float[] weights, int out, int in, float[] x, int n,
                                     List<HybridFormat> candidates) {
        checkArgument(out > 0 && in > 0 && weights.length == Math.multiplyExact((long) out, in),
                "Cannot choose a 4-bit format for a (%d, %d) weight: the array holds %d floats", out, in,
                weights.length);
        checkArgument(n > 0 && x.length == Math.multiplyExact((long) n, in),
                "Cannot choose a 4-bit format with %d input rows of width %d: the array holds %d floats", n, in,
                x.length);
        checkArgument(candidates != null && candidates.size() >= 2,
                "Cannot choose a 4-bit format among %s: need at least two candidates", candidates);
        double[] target = LayerOutput.exact(x, n, weights, out, in); // (n, out)
        double[] errors = new double[candidates.size()]; // (candidates)
        float[] xq = new float[n * in]; // (n, in)
        float[] wq = new float[out * in]; // (out, in)
        for (int k = 0; k < errors.length; k++) {
            fakeQuantRows(weights, wq, out, in, candidates.get(k));
            fakeQuantRows(x, xq, n, in, candidates.get(k));
            errors[k] = LayerOutput.error(xq, n, in, wq, out, target);
        }
        int winner = 0;
        for (int k = 1; k < errors.length; k++) {
            if (errors[k] < errors[winner]) {
                winner = k;
            }
        }
        int second = winner == 0 ? 1 : 0;
        for (int k = 0; k < errors.length; k++) {
            if (k != winner && errors[k] < errors[second]) {
                second = k;
            }
        }
        return new HqDitResult(List.copyOf(candidates), errors, candidates.get(winner), candidates.get(second),
                errors[second] - errors[winner]);
    }

    /**
     * Per-row round-to-nearest in {@code format} with the scale (INT) or bias (FP) from the row's max.
     *
     * @param src (rows, cols) row-major
     * @param dst (rows, cols) row-major output
     */
    static void fakeQuantRows(float[] src, float[] dst, int rows, int cols, HybridFormat format) {
        if (!format.isFloatingPoint()) {
            IntQuantizer.fakeQuant(src, dst, rows, cols, IntScheme.perRow(4, true, 1f));
            return;
        }
        FpFormat fp = format.fpFormat();
        double[] biases = new double[rows]; // (rows)
        for (int r = 0; r < rows; r++) {
            float max = 0f;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(src[r * cols + c]));
            }
            checkArgument(Float.isFinite(max), "Cannot quantize row %d to %s: it holds %s", r, fp, max);
            biases[r] = max > 0 ? fp.biasForMaxValue(max) : fp.standardBias();
        }
        FpExMyQuantizer.fakeQuantPerRow(src, dst, rows, cols, fp, biases);
    }
}
