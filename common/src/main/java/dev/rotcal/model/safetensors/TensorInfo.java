package dev.rotcal.model.safetensors;

import java.util.List;

/**
 * One tensor's entry in a safetensors header: dtype, shape, and its byte range {@code [begin, end)} relative
 * to the start of the file's data buffer. Validated when the header is parsed: the range holds exactly
 * {@code numel · dtype.byteSize()} bytes inside the buffer.
 */
public record TensorInfo(String name, SafetensorsDtype dtype, List<Long> shape, long begin, long end) {

    public TensorInfo {
        shape = List.copyOf(shape);
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long numel() {
        return numel(shape);
    }

    /** Size of the data in bytes. */
    public long byteSize() {
        return Math.multiplyExact(numel(), dtype.byteSize());
    }

    /** The product of {@code shape} (1 for []); throws {@link ArithmeticException} on overflow. */
    static long numel(List<Long> shape) {
        long n = 1;
        for (long dim : shape) {
            n = Math.multiplyExact(n, dim);
        }
        return n;
    }
}
