package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/** Shape checks shared by the quantizers: a (rows, cols) row-major block must fit its arrays. */
final class Shapes {
    private Shapes() {
    }

    /** Returns rows · cols after checking that both are non-negative and the product fits an int. */
    static int elementCount(int rows, int cols) {
        checkArgument(rows >= 0 && cols >= 0, "Cannot use a (%d, %d) block: negative dimension", rows, cols);
        return Math.multiplyExact(rows, cols);
    }

    /** Checks that {@code length} holds a (rows, cols) block and returns rows · cols. */
    static int checkHolds(int length, int rows, int cols, String name) {
        int size = elementCount(rows, cols);
        checkArgument(length >= size, "Cannot use a (%d, %d) block: %s holds %d elements, needs %d",
                rows, cols, name, length, size);
        return size;
    }

    /** Checks that the reduction dim {@code cols} splits into whole blocks of {@code block}. */
    static void checkWholeBlocks(int cols, int block, String format) {
        checkArgument(block > 0 && cols % block == 0,
                "Cannot quantize %d columns to %s: blocks of %d must tile the row (pad the reduction dim)",
                cols, format, block);
    }
}
