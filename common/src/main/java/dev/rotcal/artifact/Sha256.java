package dev.rotcal.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as the manifest writes it: lower-case hex. */
public final class Sha256 {
    private static final int BUFFER_BYTES = 1 << 20;

    private Sha256() {
    }

    /** A length and a digest, computed in one pass over the bytes. */
    public record Digest(long bytes, String sha256) {
    }

    /** A fresh SHA-256 MessageDigest (every JVM has one). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("[BUG] this JVM has no SHA-256", e);
        }
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    public static String of(byte[] bytes) {
        return hex(newDigest().digest(bytes));
    }

    /** Reads the stream to its end (does not close it). */
    public static Digest of(InputStream in) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[BUFFER_BYTES];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return new Digest(total, hex(digest.digest()));
    }

    /**
     * The SHA-256 of several byte strings, each preceded by its length as 8 big-endian bytes, so that
     * ("ab", "c") and ("a", "bc") differ. For fingerprints over several inputs (a model's config.json and
     * its tensor index).
     */
    public static String ofParts(byte[]... parts) {
        MessageDigest digest = newDigest();
        for (byte[] part : parts) {
            digest.update(ByteBuffer.allocate(Long.BYTES).putLong(part.length).array());
            digest.update(part);
        }
        return hex(digest.digest());
    }
}
