/**
 * Scale and clip-ratio searches over the quantizers of {@code dev.rotcal.quant}: QuaRot's weight clip search,
 * AAC-style activation clip ratios and KV-cache clip ratios (in memory, or mergeable across partitions:
 * {@link dev.rotcal.scales.ClipSweepAccumulator}, {@link dev.rotcal.scales.KvSweepAccumulator},
 * {@link dev.rotcal.scales.ChannelRangeAccumulator}), GPTQ, FP4 weight scales (NVFP4 / MXFP4), LLM-FP4's format
 * and exponent-bias search, the HQ-DiT-style INT4 / FP4 choice per layer and MergeQuant-style static
 * per-channel activation steps. Spark-free; the scales stage calls these per layer.
 */
package dev.rotcal.scales;
