package dev.rotcal.artifact;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes through to another stream while counting them and computing their SHA-256. */
public final class HashingOutputStream extends FilterOutputStream {
    private final MessageDigest digest = Sha256.newDigest();
    private long bytes;

    public HashingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        digest.update((byte) b);
        bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
        bytes += len;
    }

    /** The length and SHA-256 of everything written; call once, after the last write. */
    public Sha256.Digest result() {
        return new Sha256.Digest(bytes, Sha256.hex(digest.digest()));
    }
}
