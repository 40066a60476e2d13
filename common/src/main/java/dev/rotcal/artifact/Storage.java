package dev.rotcal.artifact;

import dev.rotcal.io.ByteSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;

/**
 * The few file operations rotcal needs, by URI string ({@code file:/…}, a plain path, {@code s3a://bucket/…},
 * {@code hdfs://…}). {@code common} has {@link LocalStorage}; {@code jobs} implements it on Hadoop's FileSystem.
 *
 * <p>Implementations are {@link Serializable} so that executors can use them: clients are transient and
 * created lazily on first use in each JVM. They are safe for concurrent use by several threads.
 *
 * <p>Failures are {@link IOException}s whose message reads "Cannot &lt;do X&gt; &lt;uri&gt;: &lt;why&gt;
 * (&lt;hint&gt;)", on one line, never with a secret in it. A missing file is a
 * {@link java.io.FileNotFoundException}; creating an existing file without {@code overwrite}, or renaming onto an
 * existing target, is a {@link java.nio.file.FileAlreadyExistsException}.
 *
 * <p>Directories: on object stores they are only key prefixes. {@link #create} makes missing parents,
 * {@link #list} of a missing directory is empty, and nothing here relies on an empty directory existing.
 */
public interface Storage extends Closeable, Serializable {

    /** Opens a file for sequential reading. */
    InputStream open(String uri) throws IOException;

    /** Opens a file for positional reads (a safetensors header, then single tensors), without reading it all. */
    ByteSource openByteSource(String uri) throws IOException;

    /**
     * Creates a file (and its missing parent directories) for writing. On object stores nothing is visible
     * until the stream is closed.
     *
     * @param overwrite replace an existing file; when false an existing file is an error
     */
    OutputStream create(String uri, boolean overwrite) throws IOException;

    /** Whether a file or directory exists at {@code uri}. */
    boolean exists(String uri) throws IOException;

    /**
     * Lists a directory (a prefix on object stores).
     *
     * @param recursive false: the files and directories directly in it; true: every file below it (no
     *                  directory entries)
     * @return entries sorted by {@link StorageEntry#relativePath()}; empty when the directory does not exist;
     *         the file itself when {@code uri} is a file
     */
    List<StorageEntry> list(String uri, boolean recursive) throws IOException;

    /**
     * Moves a file or a directory to exactly {@code to} (not into it), creating missing parent directories.
     * Atomic on local disks and HDFS; on S3 a copy of every object followed by deletes.
     */
    void rename(String from, String to) throws IOException;

    /**
     * Deletes a file, or a directory with everything below it.
     *
     * @return false when nothing existed at {@code uri}
     */
    boolean delete(String uri) throws IOException;

    /** The length of a file in bytes. */
    long size(String uri) throws IOException;

    /** When a file was last written, in epoch milliseconds (for clean-up by age). */
    long modifiedMillis(String uri) throws IOException;
}
