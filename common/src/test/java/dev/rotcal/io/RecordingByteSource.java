package dev.rotcal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.LongConsumer;

/**
 * A {@link ByteSource} wrapper that records what its reader asked for: the bytes read, and the largest single
 * {@link #readFully} request (the reader's buffer for it is at least that big, so this bounds what the reader
 * allocated on the source's behalf).
 */
public final class RecordingByteSource implements ByteSource {
    private final ByteSource delegate;
    private long bytesRead;
    private long largestRequest;
    private int reads;
    private LongConsumer beforeEachRead = bytes -> { };

    public RecordingByteSource(ByteSource delegate) {
        this.delegate = delegate;
    }

    /**
     * Calls {@code probe} with the request's size at the start of every {@link #readFully} (e.g. to sample
     * memory while a reader reads).
     */
    public RecordingByteSource beforeEachRead(LongConsumer probe) {
        this.beforeEachRead = probe;
        return this;
    }

    /** Total bytes requested through {@link #readFully}. */
    public long bytesRead() {
        return bytesRead;
    }

    /** The largest {@code dst.remaining()} of one {@link #readFully} call. */
    public long largestRequest() {
        return largestRequest;
    }

    public int reads() {
        return reads;
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public void readFully(long position, ByteBuffer dst) throws IOException {
        beforeEachRead.accept(dst.remaining());
        reads++;
        bytesRead += dst.remaining();
        largestRequest = Math.max(largestRequest, dst.remaining());
        delegate.readFully(position, dst);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
