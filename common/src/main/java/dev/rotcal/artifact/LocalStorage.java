package dev.rotcal.artifact;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.io.ByteSource;
import dev.rotcal.io.FileByteSource;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link Storage} on the local file system (java.nio), for {@code file:} URIs ({@code file:/x},
 * {@code file:///x}) and plain paths. Like Hadoop's Path, the text after {@code file:} is taken as is
 * (no percent-decoding). Stateless, so trivially serializable.
 */
public final class LocalStorage implements Storage {
    private static final long serialVersionUID = 1L;

    /** Maps a {@code file:} URI or a plain path to a local path. */
    public static Path toPath(String uri) {
        checkArgument(uri != null && !uri.isBlank(), "Cannot use an empty URI as a local path (give a file: URI or a path)");
        String path = uri;
        if (uri.startsWith("file://")) {
            String rest = uri.substring("file://".length());
            checkArgument(rest.startsWith("/") || rest.startsWith("localhost/"),
                    "Cannot use %s as a local path: file URIs with a host are not local (write file:///path)", uri);
            path = rest.startsWith("/") ? rest : rest.substring("localhost".length());
        } else if (uri.startsWith("file:")) {
            path = uri.substring("file:".length());
        } else {
            int colon = uri.indexOf(':');
            int slash = uri.indexOf('/');
            checkArgument(colon < 2 || (slash >= 0 && slash < colon),
                    "Cannot use %s with LocalStorage: scheme '%s' is not the local file system "
                            + "(use the jobs module's HadoopStorage for s3a:, hdfs: and other Hadoop URIs)",
                    uri, colon > 0 ? uri.substring(0, colon) : "");
        }
        return Paths.get(path);
    }

    @Override
    public InputStream open(String uri) throws IOException {
        Path path = existingFile(uri, "open");
        return Files.newInputStream(path);
    }

    @Override
    public ByteSource openByteSource(String uri) throws IOException {
        Path path = existingFile(uri, "open");
        return FileByteSource.open(path);
    }

    @Override
    public OutputStream create(String uri, boolean overwrite) throws IOException {
        Path path = toPath(uri);
        checkArgument(!Files.isDirectory(path), "Cannot create file %s: a directory is there (choose another path)", uri);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            return overwrite
                    ? Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE)
                    : Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(null, null,
                    "Cannot create " + uri + ": the file already exists (overwrite was not requested)");
        }
    }

    @Override
    public boolean exists(String uri) {
        return Files.exists(toPath(uri));
    }

    @Override
    public List<StorageEntry> list(String uri, boolean recursive) throws IOException {
        Path dir = toPath(uri);
        if (!Files.exists(dir)) {
            return List.of();
        }
        if (Files.isRegularFile(dir)) {
            return List.of(new StorageEntry(uri, dir.getFileName().toString(), false, Files.size(dir)));
        }
        String base = uri.endsWith("/") ? uri : uri + "/";
        List<StorageEntry> entries = new ArrayList<>();
        try (Stream<Path> paths = recursive ? Files.walk(dir) : Files.list(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                boolean isDir = Files.isDirectory(p);
                if (p.equals(dir) || (recursive && isDir)) {
                    continue;
                }
                String relative = dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                entries.add(new StorageEntry(base + relative, relative, isDir, isDir ? 0 : Files.size(p)));
            }
        }
        entries.sort(Comparator.comparing(StorageEntry::relativePath));
        return entries;
    }

    @Override
    public void rename(String from, String to) throws IOException {
        Path source = toPath(from);
        Path target = toPath(to);
        if (!Files.exists(source)) {
            throw new FileNotFoundException("Cannot rename " + from + " to " + to + ": the source does not exist");
        }
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(null, null,
                    "Cannot rename " + from + " to " + to + ": the target already exists (delete it first)");
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public boolean delete(String uri) throws IOException {
        Path path = toPath(uri);
        if (!Files.exists(path)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
        return true;
    }

    @Override
    public long size(String uri) throws IOException {
        return Files.size(existingFile(uri, "read the size of"));
    }

    @Override
    public long modifiedMillis(String uri) throws IOException {
        return Files.getLastModifiedTime(existingFile(uri, "read the modification time of")).toMillis();
    }

    @Override
    public void close() {
        // Nothing held open.
    }

    @Override
    public String toString() {
        return "LocalStorage";
    }

    private static Path existingFile(String uri, String action) throws FileNotFoundException {
        Path path = toPath(uri);
        if (!Files.isRegularFile(path)) {
            throw new FileNotFoundException("Cannot " + action + " " + uri + ": "
                    + (Files.isDirectory(path) ? "it is a directory, not a file" : "no such file"));
        }
        return path;
    }

    /** Positional reads through a FileChannel (no shared position, so no locking). */
}
