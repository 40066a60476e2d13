package dev.rotcal.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional, read-only access to the bytes of one file: read a range without reading what comes before it.
 * The safetensors reader and the token sources need nothing else, so a checkpoint can live on a local disk
 * ({@link FileByteSource}) or on any Hadoop filesystem (the jobs module implements this over
 * {@code FSDataInputStream}, which is {@code PositionedReadable}; on S3 that means ranged GETs).
 *
 * <p>Implementations need not be thread-safe. rotcal's readers only pass heap buffers
 * ({@code dst.hasArray()} is true), so an implementation may read into {@code dst.array()} directly.
 * Methods throw {@link IOException}; rotcal's own classes turn it into an unchecked exception that names
 * {@link #location()}.
 */
public interface ByteSource extends Closeable {

    /** Where the bytes come from, for messages: a path or URI such as {@code s3a://bucket/model/x.safetensors}. */
    String location();

    /** The file's length in bytes (fixed while the source is open). */
    long size();

    /**
     * Reads exactly {@code dst.remaining()} bytes starting at {@code position} into {@code dst}, advancing its
     * position to its limit. Throws {@link EOFException} when the file ends first.
     */
    void readFully(long position, ByteBuffer dst) throws IOException;

    /**
     * Reads the whole file, which must be at most {@code maxBytes} long (for small JSON files such as
     * config.json and model.safetensors.index.json).
     */
    default byte[] readAll(long maxBytes) throws IOException {
        long size = size();
        if (size > Math.min(maxBytes, Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException(String.format(
                    "Cannot read %s: file is %d bytes, more than the %d bytes expected of it (wrong file?)",
                    location(), size, maxBytes));
        }
        byte[] bytes = new byte[(int) size];
        readFully(0, ByteBuffer.wrap(bytes));
        return bytes;
    }
}
