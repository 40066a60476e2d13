/**
 * Scale and clip-ratio searches over the quantizers of {@code dev.rotcal.quant}: QuaRot's weight clip search,
 * AAC-style activation clip ratios and KV-cache clip ratios. Spark-free; the scales stage calls these per layer.
 */
package dev.rotcal.scales;
