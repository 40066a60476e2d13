package dev.rotcal.model.safetensors;

import static dev.rotcal.Checks.checkState;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian element encoding between a byte buffer and a tensor's Java array, a run of elements at a
 * time so large tensors are converted through a small buffer rather than a second full copy.
 */
final class TensorEncoding {
    private TensorEncoding() {
    }

    /** Decodes {@code count} elements of {@code dtype} from {@code src}'s position into {@code dst[offset..]}. */
    static void decode(ByteBuffer src, SafetensorsDtype dtype, Object dst, int offset, int count) {
        ByteBuffer le = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        checkState(le.remaining() >= Math.multiplyExact(count, dtype.byteSize()),
                "decode got %d bytes for %d %s elements", le.remaining(), count, dtype);
        switch (dtype) {
            case F32 -> le.asFloatBuffer().get((float[]) dst, offset, count);
            case F16 -> {
                float[] out = (float[]) dst;
                for (int i = 0; i < count; i++) {
                    out[offset + i] = Float16.toFloat(le.getShort(2 * i));
                }
            }
            case BF16 -> {
                float[] out = (float[]) dst;
                for (int i = 0; i < count; i++) {
                    out[offset + i] = BFloat16.toFloat(le.getShort(2 * i));
                }
            }
            case I32 -> le.asIntBuffer().get((int[]) dst, offset, count);
            case I64 -> le.asLongBuffer().get((long[]) dst, offset, count);
            case U8, I8 -> le.get((byte[]) dst, offset, count);
            default -> checkState(false, "no decoder for %s", dtype);
        }
        src.position(src.position() + count * dtype.byteSize());
    }

    /** Encodes {@code src[offset..offset+count)} as {@code dtype} at {@code dst}'s position (advancing it). */
    static void encode(Object src, int offset, int count, SafetensorsDtype dtype, ByteBuffer dst) {
        ByteBuffer le = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        checkState(le.remaining() >= Math.multiplyExact(count, dtype.byteSize()),
                "encode got %d bytes for %d %s elements", le.remaining(), count, dtype);
        switch (dtype) {
            case F32 -> le.asFloatBuffer().put((float[]) src, offset, count);
            case F16 -> {
                float[] in = (float[]) src;
                for (int i = 0; i < count; i++) {
                    le.putShort(2 * i, Float16.fromFloat(in[offset + i]));
                }
            }
            case BF16 -> {
                float[] in = (float[]) src;
                for (int i = 0; i < count; i++) {
                    le.putShort(2 * i, BFloat16.fromFloat(in[offset + i]));
                }
            }
            case I32 -> le.asIntBuffer().put((int[]) src, offset, count);
            case I64 -> le.asLongBuffer().put((long[]) src, offset, count);
            case U8, I8 -> le.put((byte[]) src, offset, count);
            default -> checkState(false, "no encoder for %s", dtype);
        }
        dst.position(dst.position() + count * dtype.byteSize());
    }

    /** A new array of the dtype's Java type with {@code n} elements. */
    static Object newArray(SafetensorsDtype dtype, int n) {
        return Array.newInstance(dtype.arrayType().getComponentType(), n);
    }
}
