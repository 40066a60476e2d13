package dev.rotcal.scales;

import dev.rotcal.quant.NvFp4Convention;
import dev.rotcal.quant.NvFp4Tensor;

/**
 * One linear's weights in NVFP4 (ModelOpt convention), as {@link Fp4WeightScales} computed them.
 *
 * @param out          output channels (rows)
 * @param in           input channels (reduction dim), a multiple of 16
 * @param packedCodes  (out, in / 2) E2M1 codes two per byte, element 2i in the low nibble
 * @param blockScales  (out, in / 16) E4M3 codes of the block scales s_b (weight_scale)
 * @param globalScale  ModelOpt s_g = amax / (6 · 448) (weight_scale_2), possibly shared by a fused group
 * @param dequantized  (out, in) row-major Ŵ = E2M1 · s_b · s_g
 * @param squaredError Σ (w − ŵ)² over the matrix, in double
 */
public record NvFp4Weights(int out, int in, byte[] packedCodes, byte[] blockScales, float globalScale,
                           float[] dequantized, double squaredError) {

    /** The same codes and scales as an {@link NvFp4Tensor} (ModelOpt convention; convert with withConvention). */
    public NvFp4Tensor tensor() {
        return new NvFp4Tensor(out, in, packedCodes, blockScales, globalScale, NvFp4Convention.MODELOPT);
    }
}
