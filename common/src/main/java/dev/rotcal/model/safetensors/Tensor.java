package dev.rotcal.model.safetensors;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;
import java.lang.reflect.Array;
import java.util.List;

/**
 * A named tensor with its values, read from or to be written to a safetensors file. {@code values} is the
 * Java array for the dtype ({@link SafetensorsDtype#arrayType()}), row-major, with exactly {@code numel}
 * elements: F32/F16/BF16 → float[] (on write rounded to the dtype, ties to even), I32 → int[],
 * I64 → long[], U8/I8 → byte[]. The array is not copied; equality of the record is array identity.
 */
public record Tensor(String name, SafetensorsDtype dtype, List<Long> shape, Object values) implements Serializable {

    public Tensor {
        checkArgument(name != null && !name.isEmpty(), "Cannot make a tensor without a name");
        shape = List.copyOf(shape);
        for (long dim : shape) {
            checkArgument(dim >= 0, "Cannot make tensor %s: shape %s has a negative dimension", name, shape);
        }
        checkArgument(dtype.arrayType().isInstance(values), "Cannot make tensor %s: dtype %s needs a %s, got %s",
                name, dtype, dtype.arrayType().getSimpleName(),
                values == null ? "null" : values.getClass().getSimpleName());
        long numel = TensorInfo.numel(shape);
        checkArgument(Array.getLength(values) == numel,
                "Cannot make tensor %s: shape %s has %d elements but the array holds %d", name, shape, numel,
                Array.getLength(values));
    }

    /** A floating tensor (F32, F16 or BF16); {@code values} is (shape) row-major. */
    public static Tensor ofFloats(String name, SafetensorsDtype dtype, List<Long> shape, float[] values) {
        return new Tensor(name, dtype, shape, values);
    }

    /** An I32 tensor. */
    public static Tensor ofInts(String name, List<Long> shape, int[] values) {
        return new Tensor(name, SafetensorsDtype.I32, shape, values);
    }

    /** An I64 tensor. */
    public static Tensor ofLongs(String name, List<Long> shape, long[] values) {
        return new Tensor(name, SafetensorsDtype.I64, shape, values);
    }

    /** A U8 or I8 tensor. */
    public static Tensor ofBytes(String name, SafetensorsDtype dtype, List<Long> shape, byte[] values) {
        return new Tensor(name, dtype, shape, values);
    }

    /** Number of elements. */
    public long numel() {
        return TensorInfo.numel(shape);
    }

    /** The values of an F32/F16/BF16 tensor. */
    public float[] floats() {
        return as(float[].class);
    }

    /** The values of an I32 tensor. */
    public int[] ints() {
        return as(int[].class);
    }

    /** The values of an I64 tensor. */
    public long[] longs() {
        return as(long[].class);
    }

    /** The values of a U8 or I8 tensor (U8 values are {@code b & 0xFF}). */
    public byte[] bytes() {
        return as(byte[].class);
    }

    private <T> T as(Class<T> type) {
        checkArgument(type.isInstance(values), "Cannot read tensor %s as %s: its dtype is %s (held as %s)", name,
                type.getSimpleName(), dtype, dtype.arrayType().getSimpleName());
        return type.cast(values);
    }
}
