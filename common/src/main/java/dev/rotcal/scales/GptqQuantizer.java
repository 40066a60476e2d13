package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.quant.IntGranularity;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;
import java.util.Arrays;

/**
 * GPTQ (Frantar et al., gptq.py fasterquant with QuaRot's defaults, reference/FORMATS.md): quantizes W
 * column by column along the input dim and spreads each column's rounding error over the columns not yet
 * quantized, weighted by the inverse Hessian of the layer input, so the layer OUTPUT error X·(W − Ŵ)ᵀ is
 * small rather than the weight error.
 *
 * <p>H arrives in float32 as gptq.py keeps it: dead columns (diag H = 0) get diag H = 1 and a zero W column;
 * damping λ = 0.01·mean(diag H) (after the dead-column fix, as gptq.py) is added to the diagonal; U = the upper
 * Cholesky factor of H⁻¹ (H⁻¹ = UᵀU) in float32 as gptq.py's ({@link InverseHessianFactor}, native, half gptq.py's
 * flops for the same U); W is kept in float32 between blocks as gptq.py's, each block's sweep runs in double (gptq.py:
 * float32); then blocks of 128 columns:
 * inside a
 * block, for column i: q = Q(w_i), e = (w_i − q) / U_ii, w_j −= e·U_ij for the block's j &gt; i; after the
 * block the trailing columns get −E·U[block, rest] as one dgemm (the lazy batch update). No act-order.
 *
 * <p>Scales are symmetric (zero point 0): per output channel from the whole (dead-zeroed) W before any
 * update, or per group of g input columns, fixed when the group's first column comes up, from the
 * weights as gptq.py reads them then (W with the updates of earlier blocks, not yet those of the current
 * block when the group starts mid-block). The scheme's clip ratio shrinks the range as in
 * {@link IntScales}. Quantization: q = clamp(rint(w / s), −2^(b−1), 2^(b−1) − 1) with w / s a float
 * division (as {@link dev.rotcal.quant.IntQuantizer}), ŵ = q·s; with H = I (no error to spread) the codes
 * equal round-to-nearest's.
 */
public final class GptqQuantizer {
    /** gptq.py blocksize (QuaRot default). */
    public static final int BLOCK_SIZE = 128;
    /** gptq.py percdamp (QuaRot default). */
    public static final double DAMPING = 0.01;
    /** Rows per dgemm of the lazy batch update (bounds its scratch). */
    static final int UPDATE_ROWS = 256;

    private GptqQuantizer() {
    }

    /**
     * Runs GPTQ on one linear.
     *
     * @param w      (out, in) row-major HF layout weights; not modified
     * @param h      (in, in) row-major Hessian of the input, e.g. {@link HessianAccumulator#hessian()}; not modified
     * @param scheme symmetric, PER_ROW (per output channel) or PER_GROUP along in
     */
    public static GptqResult quantize(float[] w, int out, int in, float[] h, IntScheme scheme) {
        return quantize(w, out, in, h, scheme, false);
    }

    /**
     * As {@link #quantize(float[], int, int, double[], IntScheme)}; with {@code clipSearch} every scale comes from
     * QuaRot's weight clip search ({@link WeightClipSearch}: the shrink of the max minimizing Σ|w − Q(w)|^2.4 over
     * the slot) on the weights as GPTQ reads them when the slot comes up — QuaRot's {@code --w_clip} inside GPTQ's
     * quantizer (find_params with mse), which DFRot uses.
     */
    public static GptqResult quantize(float[] w, int out, int in, float[] h, IntScheme scheme, boolean clipSearch) {
        return quantize(w, out, in, h, scheme, clipSearch, null);
    }

    /**
     * As {@link #quantize(float[], int, int, double[], IntScheme, boolean)}, with the per-channel clip search's
     * result already known: with PER_ROW scales the search runs once, on W itself before any update, which is what
     * RTN's search ({@link WeightClipSearch#search}) computes. {@code knownRowScales} (out) are used when no column
     * is dead (else W differs from RTN's input and the search runs); null = search.
     */
    public static GptqResult quantize(float[] w, int out, int in, float[] h, IntScheme scheme, boolean clipSearch,
                                      float[] knownRowScales) {
        return quantize(w, out, in, h, scheme, clipSearch, false, knownRowScales);
    }

    /**
     * As {@link #quantize(float[], int, int, float[], IntScheme, boolean, float[])}; with {@code actOrder} the columns
     * are quantized in order of decreasing diag H (gptq.py's --act-order: dead columns count with diag 1, as gptq.py
     * sets it before sorting; ties keep the column order) and the codes are put back in the original order. Per
     * output channel only: with groups the scales would follow the permuted columns (gptq.py's g_idx), which no
     * rotcal output carries.
     */
    public static GptqResult quantize(float[] w, int out, int in, float[] h, IntScheme scheme, boolean clipSearch,
                                      boolean actOrder, float[] knownRowScales) {
        if (actOrder) {
            checkArgument(scheme.granularity() == IntGranularity.PER_ROW, "Cannot run GPTQ with act-order and scheme "
                    + "%s: act-order is supported with per-channel scales (group-size = 0) only", scheme);
            return actOrder(w, out, in, h, scheme, clipSearch, knownRowScales);
        }
        checkArgument(out > 0 && in > 0, "Cannot run GPTQ on a (%d, %d) weight: dimensions must be > 0", out, in);
        checkArgument(w.length == Math.multiplyExact(out, in),
                "Cannot run GPTQ on a (%d, %d) weight: the array holds %d values", out, in, w.length);
        checkArgument(h.length == Math.multiplyExact(in, in),
                "Cannot run GPTQ with a Hessian of %d values: a (%d, %d) weight needs (%d, %d)", h.length, out, in,
                in, in);
        checkArgument(scheme.symmetric() && scheme.granularity() != IntGranularity.PER_COLUMN,
                "Cannot run GPTQ with scheme %s: GPTQ supports symmetric PER_ROW or PER_GROUP scales", scheme);
        int group = scheme.granularity() == IntGranularity.PER_GROUP ? scheme.groupSize() : in;
        checkArgument(in % group == 0, "Cannot run GPTQ with group size %d: it must divide the input dim %d",
                group, in);

        // (out, in) row-major, updated in place; float32 between blocks as gptq.py keeps W (at LLaMA-3-70B's gate_proj
        // a double copy was 1.75 GiB, more than a fragmented heap could place); each block's sweep runs in double
        float[] wd = w.clone();
        boolean[] deadColumns = new boolean[in];
        int dead = 0;
        for (int j = 0; j < in; j++) {
            float diagonal = h[j * in + j];
            if (!Float.isFinite(diagonal) || diagonal < 0) {
                checkArgument(false, "Cannot run GPTQ: diag H[%d] = %s is not a finite non-negative value", j,
                        diagonal);
            }
            if (diagonal == 0) {
                deadColumns[j] = true;
                for (int r = 0; r < out; r++) {
                    wd[r * in + j] = 0;
                }
                dead++;
            }
        }

        int groupsPerRow = in / group;
        float[] scales = new float[Math.multiplyExact(out, groupsPerRow)]; // (out, in / g) row-major
        byte[] codes = new byte[w.length]; // (out, in) row-major
        float[] dequantized = new float[w.length]; // (out, in) row-major
        int lo = scheme.minCode();
        int hi = scheme.maxCode();
        try (InverseHessianFactor factor = InverseHessianFactor.of(h, in, deadColumns, DAMPING)) {
            for (int b0 = 0; b0 < in; b0 += BLOCK_SIZE) {
                int b1 = Math.min(b0 + BLOCK_SIZE, in);
                int count = b1 - b0;
                int width = in - b0;
                double[] u = new double[Math.multiplyExact(count, width)]; // (count, in − b0) U[b0:b1, b0:]
                factor.rows(b0, b1, b0, u);
                double[] block = new double[Math.multiplyExact(out, count)]; // (out, count) W[:, b0:b1]
                for (int r = 0; r < out; r++) {
                    for (int c = 0; c < count; c++) {
                        block[r * count + c] = wd[r * in + b0 + c];
                    }
                }
                double[] err = new double[block.length]; // (out, count) scaled errors E
                for (int i = 0; i < count; i++) {
                    int col = b0 + i;
                    if (col == 0 && group == in && clipSearch && dead == 0 && knownRowScales != null) {
                        checkArgument(knownRowScales.length == out, "[BUG] %d known row scales for %d rows",
                                knownRowScales.length, out);
                        System.arraycopy(knownRowScales, 0, scales, 0, out);
                    } else if (col % group == 0) {
                        setGroupScales(wd, out, in, col, group, scheme, scales, col / group, groupsPerRow,
                                clipSearch);
                    }
                    double pivot = u[i * width + i];
                    for (int r = 0; r < out; r++) {
                        float s = scales[r * groupsPerRow + col / group];
                        // x / s in float, as torch on float32 weights and IntQuantizer do (same ties)
                        float x = (float) block[r * count + i];
                        int q = (int) Math.min(Math.max((float) Math.rint(x / s), lo), hi);
                        float wq = q * s; // ŵ = code · scale, exactly what serving dequantizes
                        codes[r * in + col] = (byte) q;
                        dequantized[r * in + col] = wq;
                        double e = (block[r * count + i] - wq) / pivot;
                        err[r * count + i] = e;
                        // w_j −= e · U[col, j] for the block's columns after col
                        for (int j = i + 1; j < count; j++) {
                            block[r * count + j] -= e * u[i * width + j];
                        }
                    }
                }
                if (b1 < in) {
                    lazyBatchUpdate(wd, out, in, err, u, b0, b1);
                }
            }
        }
        return new GptqResult(codes, new IntScales(scales, new int[scales.length]), dequantized, dead);
    }

    private static GptqResult actOrder(float[] w, int out, int in, float[] h, IntScheme scheme, boolean clipSearch,
                                       float[] knownRowScales) {
        checkArgument(w.length == Math.multiplyExact(out, in) && h.length == Math.multiplyExact(in, in),
                "Cannot run GPTQ on a (%d, %d) weight with a Hessian of %d values", out, in, h.length);
        Integer[] order = new Integer[in];
        for (int j = 0; j < in; j++) {
            order[j] = j;
        }
        // decreasing diag H, dead columns as diag 1 (gptq.py fixes them before torch.argsort); a stable sort
        java.util.Arrays.sort(order, (a, b) -> Float.compare(actKey(h, in, b), actKey(h, in, a)));
        float[] wp = new float[w.length]; // (out, in) W[:, perm]
        for (int r = 0; r < out; r++) {
            for (int j = 0; j < in; j++) {
                wp[r * in + j] = w[r * in + order[j]];
            }
        }
        float[] hp = new float[h.length]; // (in, in) H[perm][:, perm]
        for (int i = 0; i < in; i++) {
            int from = order[i] * in;
            for (int j = 0; j < in; j++) {
                hp[i * in + j] = h[from + order[j]];
            }
        }
        GptqResult permuted = quantize(wp, out, in, hp, scheme, clipSearch, false, knownRowScales);
        byte[] codes = new byte[w.length];
        float[] dequantized = new float[w.length];
        for (int r = 0; r < out; r++) {
            for (int j = 0; j < in; j++) {
                codes[r * in + order[j]] = permuted.codes()[r * in + j];
                dequantized[r * in + order[j]] = permuted.dequantized()[r * in + j];
            }
        }
        return new GptqResult(codes, permuted.scales(), dequantized, permuted.deadColumns());
    }

    private static float actKey(float[] h, int in, int j) {
        float d = h[j * in + j];
        return d == 0 ? 1f : d;
    }

    /**
     * W[:, b1:] −= E · U[b0:b1, b1:] (u: U[b0:b1, b0:], (count, in − b0)) as dgemms over chunks of {@link #UPDATE_ROWS} rows, so the scratch stays
     * (UPDATE_ROWS, rest) however many output channels the layer has.
     */
    private static void lazyBatchUpdate(float[] wd, int out, int in, double[] err, double[] u, int b0, int b1) {
        int count = b1 - b0;
        int rest = in - b1;
        int width = in - b0;
        double[] uBlock = new double[Math.multiplyExact(count, rest)]; // (count, rest) U[b0:b1, b1:]
        for (int i = 0; i < count; i++) {
            System.arraycopy(u, i * width + count, uBlock, i * rest, rest);
        }
        int chunk = Math.min(out, UPDATE_ROWS);
        double[] delta = new double[Math.multiplyExact(chunk, rest)]; // (chunk, rest) E[r0:r1]·U[b0:b1, b1:]
        for (int r0 = 0; r0 < out; r0 += chunk) {
            int rows = Math.min(chunk, out - r0);
            double[] errRows = Arrays.copyOfRange(err, r0 * count, (r0 + rows) * count); // (rows, count)
            double[] d = rows == chunk ? delta : new double[rows * rest];
            DenseLinearAlgebra.gemm(false, false, rows, rest, count, 1.0, errRows, uBlock, 0.0, d);
            for (int r = 0; r < rows; r++) {
                int off = (r0 + r) * in + b1;
                for (int j = 0; j < rest; j++) {
                    wd[off + j] = (float) (wd[off + j] - d[r * rest + j]);
                }
            }
        }
    }

    /** Scales of group {@code slot} (columns [col, col + group)) of every row, from wd as it is now. */
    private static void setGroupScales(float[] wd, int out, int in, int col, int group, IntScheme scheme,
                                       float[] scales, int slot, int groupsPerRow, boolean clipSearch) {
        if (clipSearch) {
            float[] slice = new float[Math.multiplyExact(out, group)]; // (out, group) W[:, col:col + group]
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < group; c++) {
                    slice[r * group + c] = wd[r * in + col + c];
                }
            }
            float[] s = WeightClipSearch.search(slice, out, group,
                    IntScheme.perRow(scheme.bits(), true, scheme.clipRatio())).scales().scales();
            for (int r = 0; r < out; r++) {
                scales[r * groupsPerRow + slot] = s[r];
            }
            return;
        }
        float[] mins = new float[out]; // (out) min(w, 0) over the group
        float[] maxs = new float[out]; // (out) max(w, 0) over the group
        for (int r = 0; r < out; r++) {
            float lo = 0f;
            float hi = 0f;
            for (int c = col; c < col + group; c++) {
                float v = wd[r * in + c];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            mins[r] = lo;
            maxs[r] = hi;
        }
        float[] s = IntScales.ofRanges(mins, maxs, scheme).scales();
        for (int r = 0; r < out; r++) {
            scales[r * groupsPerRow + slot] = s[r];
        }
    }
}
