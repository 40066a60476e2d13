package dev.rotcal.scales;

/**
 * Clip sweeps of one layer's KV cache.
 *
 * @param key   K (after RoPE) error curve and chosen ratio
 * @param value V error curve and chosen ratio
 */
public record KvClipResult(ClipSweep key, ClipSweep value) {
}
