package dev.rotcal.demo;

import java.util.List;

/**
 * One BF16 tensor of a real-shaped model that is never held whole: {@code filler} makes any run of its rows on
 * demand, the same bits every time (each row has its own seeded stream). A 1-D tensor is one row.
 *
 * @param shape  safetensors shape: [rows, cols] or [n]
 */
record TensorSource(String name, List<Long> shape, RowFiller filler) {

    /** Writes rows [firstRow, firstRow + count) as BF16 bits into out[0 .. count·cols). */
    interface RowFiller {
        void fill(long firstRow, int count, short[] out);
    }

    TensorSource {
        shape = List.copyOf(shape);
    }

    long rows() {
        return shape.size() == 1 ? 1 : shape.get(0);
    }

    int cols() {
        return Math.toIntExact(shape.get(shape.size() - 1));
    }

    long numel() {
        return rows() * cols();
    }

    /** Data bytes in the file (BF16). */
    long bytes() {
        return 2 * numel();
    }
}
