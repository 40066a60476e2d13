package dev.rotcal.scales;

import dev.rotcal.quant.IntScales;

/**
 * GPTQ's output for one linear.
 *
 * @param codes         (out, in) row-major signed integer codes in [−2^(b−1), 2^(b−1) − 1]
 * @param scales        symmetric scales: (out) per output channel or (out, in / g) per group, row-major
 * @param dequantized   (out, in) row-major Ŵ = code · scale (float product), the weights serving sees
 * @param deadColumns   input columns with diag H = 0 (never seen a non-zero input), zeroed in Ŵ
 */
public record GptqResult(byte[] codes, IntScales scales, float[] dequantized, int deadColumns) {
}
