package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import org.bytedeco.javacpp.FloatPointer;

/**
 * A weight matrix copied once into native memory, so that the many GEMMs reading it (every block of a
 * layer, every logits chunk) do not copy it again. Passing a {@code float[]} to cblas_sgemm copies the
 * whole array in and back out on every call (≈ 0.4 s for a 14336 × 4096 down_proj), which costs as
 * much as the product itself for small blocks.
 *
 * <p>Native memory is outside the Java heap (-Xmx): size the executor's memory overhead for one layer.
 * Close it when done; JavaCPP also frees it once it is garbage.
 */
public final class NativeMatrix implements AutoCloseable {
    private final FloatPointer data; // (rows, cols) row-major
    private final int rows;
    private final int cols;

    private NativeMatrix(FloatPointer data, int rows, int cols) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * @param values  (rows, cols) row-major
     */
    public static NativeMatrix copyOf(float[] values, int rows, int cols) {
        checkArgument(rows > 0 && cols > 0 && values.length == Math.multiplyExact((long) rows, cols),
                "Cannot copy a (%d, %d) matrix from %d floats", rows, cols, values.length);
        return new NativeMatrix(new FloatPointer(values), rows, cols);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** A heap copy of the (rows, cols) row-major values. */
    public float[] toArray() {
        float[] values = new float[Math.multiplyExact(rows, cols)];
        pointer().position(0).get(values);
        return values;
    }

    /** Native bytes this matrix holds: rows × cols × 4. */
    public long bytes() {
        return (long) rows * cols * Float.BYTES;
    }

    /** The native (rows, cols) row-major data; valid until {@link #close}. */
    FloatPointer pointer() {
        checkState(!data.isNull(), "native matrix (%d, %d) used after close", rows, cols);
        return data;
    }

    @Override
    public void close() {
        data.close();
    }
}
