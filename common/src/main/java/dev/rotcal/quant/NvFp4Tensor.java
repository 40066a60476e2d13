package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * An NVFP4-quantized (rows, cols) block: E2M1 elements, one E4M3 scale per 16 elements along the row and
 * one fp32 global scale stored in the named {@link NvFp4Convention}.
 *
 * @param rows             rows (tokens / output channels)
 * @param cols             reduction dim, a multiple of 16
 * @param packedCodes      (rows, cols / 2) E2M1 codes two per byte, element 2i in the low nibble
 * @param blockScaleCodes  (rows, cols / 16) E4M3 codes of the block scales s_b
 * @param globalScale      the global scale as {@code convention} stores it
 * @param convention       which global-scale convention {@code globalScale} follows
 */
public record NvFp4Tensor(int rows, int cols, byte[] packedCodes, byte[] blockScaleCodes, float globalScale,
                          NvFp4Convention convention) {
    public NvFp4Tensor {
        int size = Shapes.elementCount(rows, cols);
        Shapes.checkWholeBlocks(cols, NvFp4Quantizer.BLOCK_SIZE, "NVFP4");
        checkArgument(packedCodes.length == size / 2 && blockScaleCodes.length == size / NvFp4Quantizer.BLOCK_SIZE,
                "Cannot build an NVFP4 (%d, %d) tensor from %d code bytes and %d block scales (need %d and %d)",
                rows, cols, packedCodes.length, blockScaleCodes.length, size / 2, size / NvFp4Quantizer.BLOCK_SIZE);
        checkArgument(convention != null, "Cannot build an NVFP4 tensor without a global-scale convention");
        convention.toModelOpt(globalScale); // validates the stored scale
    }

    /** ModelOpt global scale s_g (x̂ = E2M1 · s_b · s_g), whatever the stored convention. */
    public float modelOptGlobalScale() {
        return convention.toModelOpt(globalScale);
    }

    /** Block scale s_b of block {@code block} (row-major over (rows, cols / 16)). */
    public float blockScale(int block) {
        return FpE4M3.decode(blockScaleCodes[block]);
    }

    /** The same tensor with the global scale stored in {@code target} (reciprocal across conventions). */
    public NvFp4Tensor withConvention(NvFp4Convention target) {
        if (target == convention) {
            return this;
        }
        return new NvFp4Tensor(rows, cols, packedCodes, blockScaleCodes,
                target.fromModelOpt(modelOptGlobalScale()), target);
    }
}
