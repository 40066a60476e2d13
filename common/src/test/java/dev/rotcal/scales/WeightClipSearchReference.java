package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntGranularity;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.quant.QuantizationError;
import java.util.Arrays;

/**
 * The original, plain implementation of {@link WeightClipSearch} (one fake quantization of the whole matrix and
 * one Math.pow per weight per grid point), kept as the reference the fast search must reproduce exactly.
 *
 * <p>QuaRot's weight clip search (--w_clip, the GPTQ repo's Quantizer.find_params with mse=True): for every
 * scale slot of a symmetric INT scheme (an output channel, or a group along the input dim) pick the shrink
 * p = 1 − i / 100, i = 0 … 79 (1.00, 0.99, …, 0.21: grid 100, maxshrink 0.8, as
 * {@code range(int(maxshrink * grid))}) minimizing Σ |w − Q_p(w)|^2.4 over the slot. A later p replaces the
 * current best only if strictly better (torch's {@code err < best}), so ties keep the larger p.
 * Every candidate scale carries the weight floor {@link IntScheme#WEIGHT_MIN_SCALE}.
 */
final class WeightClipSearchReference {
    /** QuaRot's grid: p steps by 1 / GRID. */
    static final int GRID = 100;
    /** QuaRot's maxshrink: the search covers p ∈ (1 − MAX_SHRINK, 1]. */
    static final double MAX_SHRINK = 0.8;
    /** QuaRot's error norm. */
    static final double NORM = 2.4;

    private WeightClipSearchReference() {
    }

    /** The shrink grid, in search order: 1.00, 0.99, …, 0.21 (80 values). */
    static float[] shrinkGrid() {
        int n = (int) (MAX_SHRINK * GRID); // 80, as Python's int(0.8 * 100)
        float[] grid = new float[n];
        for (int i = 0; i < n; i++) {
            grid[i] = (float) (1.0 - (double) i / GRID);
        }
        return grid;
    }

    /**
     * Searches the clip ratio of every slot and fake-quantizes W with the chosen scales.
     *
     * @param weights (out, in) row-major, HF layout
     * @param scheme  symmetric, PER_ROW (per output channel) or PER_GROUP (groups along in); its own clip
     *                ratio is ignored and its scale floor replaced by the weight floor
     */
    static WeightClipResult search(float[] weights, int out, int in, IntScheme scheme) {
        checkArgument(scheme.symmetric(), "Cannot search weight clip ratios for an asymmetric scheme: QuaRot's "
                + "weight search is symmetric (use a symmetric IntScheme)");
        checkArgument(scheme.granularity() != IntGranularity.PER_COLUMN,
                "Cannot search weight clip ratios per column: use PER_ROW (output channel) or PER_GROUP");
        checkArgument(out > 0 && in > 0 && weights.length >= Math.multiplyExact((long) out, in),
                "Cannot search weight clip ratios of a (%d, %d) matrix: the array holds %d floats", out, in,
                weights.length);
        IntScheme base = scheme.forWeights().withClipRatio(1f);
        int slots = base.scaleCount(out, in); // checks that groups tile the row
        int run = base.granularity() == IntGranularity.PER_ROW ? in : base.groupSize(); // slot i: [i·run, (i+1)·run)
        int size = out * in;

        float[] grid = shrinkGrid();
        float[] candidate = new float[size]; // (out, in) Q_p(W)
        float[] quantized = new float[size]; // (out, in) best Q_p(W) per slot so far
        float[] ratios = new float[slots]; // (slots) chosen p
        float[] scales = new float[slots]; // (slots) chosen scale
        double[] best = new double[slots]; // (slots) chosen Σ|w − Q_p(w)|^2.4
        double[] atFullRange = new double[slots]; // (slots) the same sum at p = 1
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        for (float p : grid) {
            IntScales pScales = IntQuantizer.fakeQuant(weights, candidate, out, in, base.withClipRatio(p));
            for (int slot = 0; slot < slots; slot++) {
                int off = slot * run;
                double err = QuantizationError.sumPowError(weights, candidate, off, run, NORM);
                if (p == 1f) {
                    atFullRange[slot] = err;
                }
                if (err < best[slot]) {
                    best[slot] = err;
                    ratios[slot] = p;
                    scales[slot] = pScales.scales()[slot];
                    System.arraycopy(candidate, off, quantized, off, run);
                }
            }
        }
        return new WeightClipResult(ratios, new IntScales(scales, new int[slots]), quantized, best, atFullRange);
    }
}
