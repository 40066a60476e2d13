package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Writes token ids as a NumPy .npy file (format 1.0, little-endian, C order) that numpy.load reads. */
public final class NpyWriter {
    private static final int CHUNK = 1 << 14;

    private NpyWriter() {
    }

    /** Writes {@code ids} as int32 with {@code shape} (e.g. {n} or {n_seq, seq_len}) to {@code out} (not closed). */
    public static void writeInt32(OutputStream out, long[] shape, int[] ids) throws IOException {
        NpyHeader header = checked(new NpyHeader("<i4", false, shape.clone()), ids.length);
        out.write(header.toBytes());
        ByteBuffer b = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < ids.length; at += CHUNK) {
            b.clear();
            for (int i = at; i < Math.min(ids.length, at + CHUNK); i++) {
                b.putInt(ids[i]);
            }
            out.write(b.array(), 0, b.position());
        }
    }

    /** Writes {@code ids} as int64 with {@code shape} to {@code out} (not closed). */
    public static void writeInt64(OutputStream out, long[] shape, long[] ids) throws IOException {
        NpyHeader header = checked(new NpyHeader("<i8", false, shape.clone()), ids.length);
        out.write(header.toBytes());
        ByteBuffer b = ByteBuffer.allocate(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < ids.length; at += CHUNK) {
            b.clear();
            for (int i = at; i < Math.min(ids.length, at + CHUNK); i++) {
                b.putLong(ids[i]);
            }
            out.write(b.array(), 0, b.position());
        }
    }

    /** Writes a 1-D int32 .npy file at {@code path}. */
    public static void writeInt32(Path path, int[] ids) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            writeInt32(out, new long[] {ids.length}, ids);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + path + ": " + e, e);
        }
    }

    private static NpyHeader checked(NpyHeader header, int length) {
        checkArgument(header.count("the .npy being written") == length, "Cannot write .npy: shape %s has %d elements"
                + " but %d ids were given", Arrays.toString(header.shape()),
                header.count("the .npy being written"), length);
        return header;
    }
}
