package dev.rotcal.artifact;

import java.io.Closeable;
import java.io.IOException;

/**
 * Positional reads from one file: read a range without reading what comes before it (a local file channel,
 * or ranged GETs on S3). Not Guava's ByteSource. One instance is not meant for concurrent use.
 */
public interface ByteSource extends Closeable {

    /** The length of the file in bytes. */
    long size() throws IOException;

    /**
     * Reads exactly {@code length} bytes starting at {@code position} into {@code buffer[offset…]}.
     *
     * @throws java.io.EOFException when the file ends before {@code position + length}
     */
    void readFully(long position, byte[] buffer, int offset, int length) throws IOException;
}
