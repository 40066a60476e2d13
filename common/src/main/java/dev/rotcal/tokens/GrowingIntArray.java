package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.util.Arrays;

/** A growable int array for token ids whose count is not known up front. */
final class GrowingIntArray {
    private int[] values = new int[1 << 12];
    private int size;

    void add(int value) {
        if (size == values.length) {
            checkArgument(size < Integer.MAX_VALUE - 8 - size, "Cannot hold more than %d token ids in one corpus",
                    size);
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    void addAll(long[] more) {
        for (long v : more) {
            add(Math.toIntExact(v));
        }
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
