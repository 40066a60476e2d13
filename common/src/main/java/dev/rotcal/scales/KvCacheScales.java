package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntScheme;

/**
 * KV-cache clipping: asymmetric 4-bit, one dynamic scale / zero point per token per KV head (group =
 * head_dim). Rows are (tokens, nKv · headDim) with head g in columns [g · headDim, (g + 1) · headDim); K rows
 * are taken after RoPE (and the online Hadamard R3 when it is on). K and V each get the ratio of DFRot's
 * sweep 0.6 … 1.0 minimizing the measured squared error.
 */
public final class KvCacheScales {
    /** KV-cache width. */
    public static final int DEFAULT_BITS = 4;

    private KvCacheScales() {
    }

    /** The per-head asymmetric scheme: groups of headDim along the row. */
    public static IntScheme scheme(int bits, int headDim) {
        return IntScheme.perGroup(bits, false, headDim, 1f);
    }

    /**
     * @param keys   (n, nKv · headDim) row-major K after RoPE
     * @param values (n, nKv · headDim) row-major V
     */
    public static KvClipResult search(float[] keys, float[] values, int n, int nKv, int headDim, int bits) {
        checkArgument(nKv > 0 && headDim > 0,
                "Cannot search KV clip ratios with %d KV heads of dim %d: both must be > 0", nKv, headDim);
        int d = Math.multiplyExact(nKv, headDim);
        IntScheme scheme = scheme(bits, headDim);
        return new KvClipResult(ClipRatioSweep.sweep(keys, n, d, scheme),
                ClipRatioSweep.sweep(values, n, d, scheme));
    }

    /** 4-bit ({@link #DEFAULT_BITS}). */
    public static KvClipResult search(float[] keys, float[] values, int n, int nKv, int headDim) {
        return search(keys, values, n, nKv, headDim, DEFAULT_BITS);
    }
}
