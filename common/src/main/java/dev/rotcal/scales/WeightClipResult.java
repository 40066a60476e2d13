package dev.rotcal.scales;

import dev.rotcal.quant.IntScales;

/**
 * What {@link WeightClipSearch} chose. Slots follow the scheme: (out) per output channel, or
 * (out, in / groupSize) row-major per group.
 *
 * @param clipRatios     (slots) chosen shrink p per slot
 * @param scales         (slots) symmetric scales s = p · max|w| / maxq (≥ 1e-5), zero points 0
 * @param quantized      (out, in) row-major fake-quantized W with those scales
 * @param errors         (slots) Σ |w − Q_p(w)|^2.4 at the chosen p
 * @param errorsAtClipOne (slots) the same sum at p = 1 (plain RTN), for reports
 */
public record WeightClipResult(float[] clipRatios, IntScales scales, float[] quantized, double[] errors,
                               double[] errorsAtClipOne) {
}
