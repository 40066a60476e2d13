package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;

/**
 * The KV-cache clip sweeps of one layer, summed over blocks of calibration tokens: K (after RoPE) and V each
 * get DFRot's 21-point sweep of asymmetric b-bit quantization with one scale per token per KV head
 * (group = head_dim), as {@link KvCacheScales#search}. Mergeable ({@link #add} / {@link #merge} /
 * {@link #zero}), Serializable, sums in double.
 */
public final class KvSweepAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ClipSweepAccumulator keys;
    private final ClipSweepAccumulator values;

    /** Rows of width nKv · headDim, head g in columns [g · headDim, (g + 1) · headDim). */
    public KvSweepAccumulator(int nKv, int headDim, int bits) {
        checkArgument(nKv > 0 && headDim > 0,
                "Cannot accumulate KV clip sweeps with %d KV heads of dim %d: both must be > 0", nKv, headDim);
        int d = Math.multiplyExact(nKv, headDim);
        this.keys = new ClipSweepAccumulator(d, bits, headDim);
        this.values = new ClipSweepAccumulator(d, bits, headDim);
    }

    /** 4-bit ({@link KvCacheScales#DEFAULT_BITS}). */
    public KvSweepAccumulator(int nKv, int headDim) {
        this(nKv, headDim, KvCacheScales.DEFAULT_BITS);
    }

    /**
     * Adds a block of tokens.
     *
     * @param k (nRows, nKv · headDim) row-major K after RoPE
     * @param v (nRows, nKv · headDim) row-major V
     */
    public KvSweepAccumulator add(float[] k, float[] v, int nRows) {
        keys.add(k, nRows);
        values.add(v, nRows);
        return this;
    }

    /** Adds another accumulator's sums (same shape and bits). */
    public KvSweepAccumulator merge(KvSweepAccumulator other) {
        keys.merge(other.keys);
        values.merge(other.values);
        return this;
    }

    /** Back to no rows. */
    public KvSweepAccumulator zero() {
        keys.zero();
        values.zero();
        return this;
    }

    /** Tokens added so far. */
    public long rows() {
        return keys.rows();
    }

    /** K and V curves and their chosen ratios. */
    public KvClipResult result() {
        return new KvClipResult(keys.result(), values.result());
    }
}
