package dev.rotcal.model.safetensors;

import dev.rotcal.io.ByteSource;
import java.io.EOFException;
import java.nio.ByteBuffer;

/** A {@link ByteSource} over a byte array that counts the bytes read, as a non-file implementation would. */
final class InMemoryByteSource implements ByteSource {
    private final String location;
    private final byte[] bytes;
    long bytesRead;
    boolean closed;

    InMemoryByteSource(String location, byte[] bytes) {
        this.location = location;
        this.bytes = bytes;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void readFully(long position, ByteBuffer dst) throws EOFException {
        if (position + dst.remaining() > bytes.length) {
            throw new EOFException("read past the end of " + location);
        }
        bytesRead += dst.remaining();
        dst.put(bytes, (int) position, dst.remaining());
    }

    @Override
    public void close() {
        closed = true;
    }
}
