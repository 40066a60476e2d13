package dev.rotcal.artifact;

import dev.rotcal.io.ByteSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection, not a mock: a real {@link LocalStorage} whose N-th rename fails, like an S3 copy that dies in
 * the middle of a commit.
 */
final class FailingRenameStorage implements Storage {
    private final Storage real = new LocalStorage();
    private final int failingRename;
    private final AtomicInteger renames = new AtomicInteger();

    FailingRenameStorage(int failingRename) {
        this.failingRename = failingRename;
    }

    @Override
    public void rename(String from, String to) throws IOException {
        if (renames.incrementAndGet() == failingRename) {
            throw new IOException("Cannot rename " + from + " to " + to + ": injected failure (test)");
        }
        real.rename(from, to);
    }

    @Override
    public InputStream open(String uri) throws IOException {
        return real.open(uri);
    }

    @Override
    public ByteSource openByteSource(String uri) throws IOException {
        return real.openByteSource(uri);
    }

    @Override
    public OutputStream create(String uri, boolean overwrite) throws IOException {
        return real.create(uri, overwrite);
    }

    @Override
    public boolean exists(String uri) throws IOException {
        return real.exists(uri);
    }

    @Override
    public List<StorageEntry> list(String uri, boolean recursive) throws IOException {
        return real.list(uri, recursive);
    }

    @Override
    public boolean delete(String uri) throws IOException {
        return real.delete(uri);
    }

    @Override
    public long size(String uri) throws IOException {
        return real.size(uri);
    }

    @Override
    public long modifiedMillis(String uri) throws IOException {
        return real.modifiedMillis(uri);
    }

    @Override
    public void close() throws IOException {
        real.close();
    }
}
