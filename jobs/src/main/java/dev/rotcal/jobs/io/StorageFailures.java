package dev.rotcal.jobs.io;

import dev.rotcal.artifact.SecretRedactor;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.util.Set;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * Turns Hadoop and S3A failures into the {@link dev.rotcal.artifact.Storage} contract: one line,
 * "Cannot &lt;action&gt; &lt;uri&gt;: &lt;why&gt; (&lt;hint&gt;)", missing files as FileNotFoundException,
 * existing targets as FileAlreadyExistsException, and no secret value anywhere in the message or its causes.
 */
final class StorageFailures {
    private static final int MAX_WHY_CHARS = 300;

    private StorageFailures() {
    }

    static IOException translate(String action, String uri, Throwable failure, Set<String> secrets) {
        if (failure instanceof FileNotFoundException) {
            return withCause(new FileNotFoundException(
                    "Cannot " + action + " " + uri + ": no such file or directory (check the URI)"), failure, secrets);
        }
        if (failure instanceof FileAlreadyExistsException
                || failure instanceof org.apache.hadoop.fs.FileAlreadyExistsException) {
            return withCause(new FileAlreadyExistsException(null, null,
                    "Cannot " + action + " " + uri + ": the target already exists (delete it first or overwrite)"),
                    failure, secrets);
        }
        String message = "Cannot " + action + " " + uri + ": " + why(failure, uri, secrets) + " (" + hint(failure) + ")";
        return withCause(new IOException(message), failure, secrets);
    }

    /** An output stream whose write and close failures (S3A uploads on close) are translated too. */
    static OutputStream translating(OutputStream out, String uri, Set<String> secrets) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException | RuntimeException e) {
                    throw translate("write", uri, e, secrets);
                }
            }

            @Override
            public void write(int b) throws IOException {
                try {
                    out.write(b);
                } catch (IOException | RuntimeException e) {
                    throw translate("write", uri, e, secrets);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } catch (IOException | RuntimeException e) {
                    throw translate("finish writing", uri, e, secrets);
                }
            }
        };
    }

    /** An input stream whose read failures are translated. */
    static InputStream translating(InputStream in, String uri, Set<String> secrets) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return in.read();
                } catch (IOException | RuntimeException e) {
                    throw translate("read", uri, e, secrets);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return in.read(b, off, len);
                } catch (IOException | RuntimeException e) {
                    throw translate("read", uri, e, secrets);
                }
            }
        };
    }

    /** The failure's type and message without the URIs already named ("s3a://b/k: getFileStatus on s3a://b/k: …"). */
    private static String why(Throwable failure, String uris, Set<String> secrets) {
        String text = failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        for (String uri : uris.split(" to ")) {
            text = text.replace(" on " + uri + ":", ":").replace(uri + ": ", "");
        }
        String line = SecretRedactor.scrub(text, secrets);
        return line.length() <= MAX_WHY_CHARS ? line : line.substring(0, MAX_WHY_CHARS) + "…";
    }

    private static String hint(Throwable failure) {
        String all = chainText(failure);
        if (has(failure, AccessDeniedException.class) || all.contains("InvalidAccessKeyId")
                || all.contains("SignatureDoesNotMatch") || all.contains("Status Code: 403")) {
            return "check fs.s3a.access.key and fs.s3a.secret.key (or fs.s3a.aws.credentials.provider) and the "
                    + "permissions on the bucket";
        }
        if (all.contains("NoSuchBucket") || all.contains("UnknownStoreException")) {
            return "check the bucket name and fs.s3a.endpoint";
        }
        if (has(failure, ConnectException.class) || has(failure, UnknownHostException.class)
                || has(failure, SocketTimeoutException.class) || all.contains("Unable to execute HTTP request")) {
            return "check fs.s3a.endpoint (or the file system's address) and that the store is reachable";
        }
        if (has(failure, UnsupportedFileSystemException.class)) {
            return "no Hadoop file system for this scheme here; use file:, s3a: or hdfs: URIs";
        }
        return "see the cause";
    }

    /** Keeps the original cause unless a secret appears anywhere in its chain; then a scrubbed copy. */
    private static <T extends IOException> T withCause(T translated, Throwable cause, Set<String> secrets) {
        String all = chainText(cause);
        boolean leaks = secrets.stream().anyMatch(s -> s.length() >= 4 && all.contains(s));
        if (leaks) {
            IOException scrubbed = new IOException(SecretRedactor.scrub(
                    cause.getClass().getName() + ": " + cause.getMessage(), secrets));
            scrubbed.setStackTrace(cause.getStackTrace());
            translated.initCause(scrubbed);
        } else {
            translated.initCause(cause);
        }
        return translated;
    }

    private static String chainText(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && text.length() < 100_000; t = t.getCause()) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }

    private static boolean has(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
