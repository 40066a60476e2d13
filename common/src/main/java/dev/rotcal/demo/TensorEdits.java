package dev.rotcal.demo;

import dev.rotcal.model.safetensors.BFloat16;
import java.util.BitSet;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The edits of one (rows, cols) matrix, recorded in order and applied to any chunk of its rows as they are
 * generated. Replaying "zero row / zero column / set entry" in order is the same as: an entry that was set and
 * not zeroed afterwards has its value; otherwise an entry in a zeroed row or column is 0; otherwise it keeps
 * its background value. Zeroing therefore drops the earlier sets it covers.
 */
final class TensorEdits {
    private final long rows;
    private final int cols;
    private final BitSet zeroRows = new BitSet();
    private final BitSet zeroColumns = new BitSet();
    private final SortedMap<Long, Float> sets = new TreeMap<>(); // row·cols + col → value
    private int[] zeroColumnList = new int[0];

    TensorEdits(long rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    void zeroRow(int row) {
        checkRow(row);
        zeroRows.set(row);
        sets.subMap((long) row * cols, (long) (row + 1) * cols).clear();
    }

    void zeroColumn(int column) {
        checkColumn(column);
        zeroColumns.set(column);
        zeroColumnList = zeroColumns.stream().toArray();
        sets.keySet().removeIf(key -> key % cols == column);
    }

    void set(int row, int column, float value) {
        checkRow(row);
        checkColumn(column);
        sets.put((long) row * cols + column, value);
    }

    /** Applies the edits to rows [firstRow, firstRow + count), held as BF16 bits in out[0 .. count·cols). */
    void apply(long firstRow, int count, short[] out) {
        for (int i = 0; i < count; i++) {
            long row = firstRow + i;
            int at = i * cols;
            if (zeroRows.get((int) row)) {
                java.util.Arrays.fill(out, at, at + cols, (short) 0);
            } else {
                for (int c : zeroColumnList) {
                    out[at + c] = 0;
                }
            }
        }
        long base = firstRow * cols;
        for (Map.Entry<Long, Float> e : sets.subMap(base, base + (long) count * cols).entrySet()) {
            out[(int) (e.getKey() - base)] = BFloat16.fromFloat(e.getValue());
        }
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows) {
            throw new IllegalArgumentException("[BUG] row " + row + " of a matrix with " + rows + " rows");
        }
    }

    private void checkColumn(int column) {
        if (column < 0 || column >= cols) {
            throw new IllegalArgumentException("[BUG] column " + column + " of a matrix with " + cols + " columns");
        }
    }
}
