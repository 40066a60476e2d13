package dev.rotcal.scales;

import dev.rotcal.quant.MxFp4Tensor;
import dev.rotcal.quant.MxScaleRule;

/**
 * One linear's weights in MXFP4, as {@link Fp4WeightScales} computed them. MXFP4 has no global scale.
 *
 * @param out          output channels (rows)
 * @param in           input channels (reduction dim), a multiple of 32
 * @param packedCodes  (out, in / 2) E2M1 codes two per byte, element 2i in the low nibble
 * @param blockScales  (out, in / 32) E8M0 codes: X = 2^(E − 127)
 * @param rule         the rule that picked the block scales
 * @param dequantized  (out, in) row-major Ŵ = E2M1 · X
 * @param squaredError Σ (w − ŵ)² over the matrix, in double
 */
public record MxFp4Weights(int out, int in, byte[] packedCodes, byte[] blockScales, MxScaleRule rule,
                           float[] dequantized, double squaredError) {

    /** The same codes and scales as an {@link MxFp4Tensor}. */
    public MxFp4Tensor tensor() {
        return new MxFp4Tensor(out, in, packedCodes, blockScales, rule);
    }
}
