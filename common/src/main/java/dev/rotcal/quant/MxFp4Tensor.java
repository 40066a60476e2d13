package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * An MXFP4-quantized (rows, cols) block: E2M1 elements, one E8M0 scale per 32 elements along the row.
 *
 * @param rows        rows (tokens / output channels)
 * @param cols        reduction dim, a multiple of 32
 * @param packedCodes (rows, cols / 2) E2M1 codes two per byte, element 2i in the low nibble
 * @param scaleCodes  (rows, cols / 32) E8M0 codes: X = 2^(E − 127)
 * @param rule        the rule that picked the scales (provenance for the artifact)
 */
public record MxFp4Tensor(int rows, int cols, byte[] packedCodes, byte[] scaleCodes, MxScaleRule rule) {
    public MxFp4Tensor {
        int size = Shapes.elementCount(rows, cols);
        Shapes.checkWholeBlocks(cols, MxFp4Quantizer.BLOCK_SIZE, "MXFP4");
        checkArgument(packedCodes.length == size / 2 && scaleCodes.length == size / MxFp4Quantizer.BLOCK_SIZE,
                "Cannot build an MXFP4 (%d, %d) tensor from %d code bytes and %d scales (need %d and %d)", rows,
                cols, packedCodes.length, scaleCodes.length, size / 2, size / MxFp4Quantizer.BLOCK_SIZE);
    }

    /** Block scale X of block {@code block} (row-major over (rows, cols / 32)). */
    public float scale(int block) {
        return FpE8M0.decode(scaleCodes[block]);
    }
}
