package dev.rotcal.jobs.io;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import dev.rotcal.io.ByteSource;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * {@link Storage} on Hadoop's FileSystem: {@code s3a://}, {@code hdfs://}, {@code file:} and plain paths.
 *
 * <p>Built from a snapshot of Hadoop settings (a plain map, so it serializes to executors); the Configuration
 * and FileSystems are transient and made lazily in each JVM, shared per JVM by all storages with the same
 * settings ({@link SharedFileSystems}). Broadcasting one instance to executors is cheapest, but capturing it in
 * a closure is also fine. Failures follow the Storage contract: one line, "Cannot …", secrets scrubbed.
 */
public final class HadoopStorage implements Storage {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> settings;
    private transient Configuration conf;
    private transient Set<String> secrets;
    private transient Map<String, FileSystem> acquired;

    private HadoopStorage(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    /** A storage with these Hadoop settings on top of Hadoop's defaults (core-default.xml, core-site.xml). */
    public static HadoopStorage of(Map<String, String> settings) {
        settings.forEach((key, value) -> checkArgument(key != null && value != null,
                "Cannot use Hadoop setting '%s': null keys or values are not settings", key));
        return new HadoopStorage(settings);
    }

    /**
     * A storage with the settings of a live Configuration (e.g. SparkContext.hadoopConfiguration(), which holds
     * the spark.hadoop.* settings): every entry that differs from core-default.xml is kept.
     */
    public static HadoopStorage fromConfiguration(Configuration source) {
        Configuration defaults = new Configuration(false);
        defaults.addResource("core-default.xml");
        Map<String, String> changed = new TreeMap<>();
        for (Map.Entry<String, String> entry : source) {
            if (!Objects.equals(entry.getValue(), defaults.getRaw(entry.getKey()))) {
                changed.put(entry.getKey(), entry.getValue());
            }
        }
        return new HadoopStorage(changed);
    }

    /** The settings snapshot (secrets included: do not log it; see {@link SecretRedactor#redact(Map)}). */
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public InputStream open(String uri) throws IOException {
        return call("open", uri, (fs, path) -> StorageFailures.translating(fs.open(path), uri, secrets()));
    }

    @Override
    public ByteSource openByteSource(String uri) throws IOException {
        return call("open", uri, (fs, path) -> {
            long size = fs.getFileStatus(path).getLen();
            return new PositionalSource(uri, fs.open(path), size);
        });
    }

    @Override
    public OutputStream create(String uri, boolean overwrite) throws IOException {
        // Hadoop's contract: create(path, false) fails with FileAlreadyExistsException on an existing file.
        return call("create", uri, (fs, path) ->
                StorageFailures.translating(fs.create(path, overwrite), uri, secrets()));
    }

    @Override
    public boolean exists(String uri) throws IOException {
        return call("check", uri, FileSystem::exists);
    }

    @Override
    public List<StorageEntry> list(String uri, boolean recursive) throws IOException {
        return call("list", uri, (fs, path) -> {
            String base = uri.endsWith("/") ? uri : uri + "/";
            List<StorageEntry> entries = new ArrayList<>();
            try {
                FileStatus top = fs.getFileStatus(path);
                if (top.isFile()) {
                    return List.of(new StorageEntry(uri, path.getName(), false, top.getLen()));
                }
                if (recursive) {
                    String dir = fs.makeQualified(path).toUri().getPath();
                    int prefix = dir.endsWith("/") ? dir.length() : dir.length() + 1;
                    for (RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true); it.hasNext(); ) {
                        LocatedFileStatus file = it.next();
                        String relative = file.getPath().toUri().getPath().substring(prefix);
                        entries.add(new StorageEntry(base + relative, relative, false, file.getLen()));
                    }
                } else {
                    for (FileStatus status : fs.listStatus(path)) {
                        String name = status.getPath().getName();
                        entries.add(new StorageEntry(base + name, name, status.isDirectory(),
                                status.isDirectory() ? 0 : status.getLen()));
                    }
                }
            } catch (FileNotFoundException e) {
                return List.<StorageEntry>of();
            }
            entries.sort(Comparator.comparing(StorageEntry::relativePath));
            return entries;
        });
    }

    @Override
    public void rename(String from, String to) throws IOException {
        call("rename", from, from + " to " + to, (fs, source) -> {
            Path target = fs.makeQualified(new Path(to)); // "Wrong FS" when on another file system
            if (!fs.exists(source)) {
                throw new FileNotFoundException(from);
            }
            if (fs.exists(target)) {
                throw new FileAlreadyExistsException(null, null, to);
            }
            Path parent = target.getParent();
            if (parent != null && !fs.exists(parent)) {
                fs.mkdirs(parent);
            }
            if (!fs.rename(source, target)) {
                throw new IOException("the file system refused the rename");
            }
            return null;
        });
    }

    @Override
    public boolean delete(String uri) throws IOException {
        return call("delete", uri, (fs, path) -> fs.delete(path, true));
    }

    @Override
    public long size(String uri) throws IOException {
        return call("read the size of", uri, (fs, path) -> {
            FileStatus status = fs.getFileStatus(path);
            if (status.isDirectory()) {
                throw new FileNotFoundException("a directory, not a file");
            }
            return status.getLen();
        });
    }

    @Override
    public long modifiedMillis(String uri) throws IOException {
        return call("read the modification time of", uri, (fs, path) -> fs.getFileStatus(path).getModificationTime());
    }

    /** Releases this storage's use of the shared FileSystems; it can be used again afterwards (reopens them). */
    @Override
    public synchronized void close() throws IOException {
        if (acquired == null) {
            return;
        }
        IOException failure = null;
        for (FileSystem fs : acquired.values()) {
            try {
                SharedFileSystems.release(fs);
            } catch (IOException e) {
                failure = failure == null ? StorageFailures.translate("close", fs.getUri().toString(), e, secrets()) : failure;
            }
        }
        acquired.clear();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "HadoopStorage[" + settings.size() + " settings, fs.defaultFS="
                + settings.getOrDefault("fs.defaultFS", "file:///") + "]";
    }

    /** A fresh copy of the Configuration the FileSystems are made from. */
    public Configuration configuration() {
        return new Configuration(baseConfiguration());
    }

    private synchronized Configuration baseConfiguration() {
        if (conf == null) {
            Configuration built = new Configuration();
            settings.forEach(built::set);
            conf = built;
        }
        return conf;
    }

    private synchronized Set<String> secrets() {
        if (secrets == null) {
            secrets = SecretRedactor.secretValues(settings);
        }
        return secrets;
    }

    private synchronized FileSystem fileSystem(Path path) throws IOException {
        URI uri = path.toUri();
        URI fsUri = uri.getScheme() == null ? FileSystem.getDefaultUri(baseConfiguration()) : uri;
        String key = fsUri.getScheme() + "://" + Objects.toString(fsUri.getAuthority(), "");
        if (acquired == null) {
            acquired = new HashMap<>();
        }
        FileSystem fs = acquired.get(key);
        if (fs == null) {
            fs = SharedFileSystems.acquire(settings, baseConfiguration(), fsUri);
            acquired.put(key, fs);
        }
        return fs;
    }

    @FunctionalInterface
    private interface FileSystemCall<T> {
        T apply(FileSystem fs, Path path) throws IOException;
    }

    private <T> T call(String action, String uri, FileSystemCall<T> op) throws IOException {
        return call(action, uri, uri, op);
    }

    /**
     * Runs one operation on the FileSystem of {@code uri}, translating failures into "Cannot {action} {what}: …".
     */
    private <T> T call(String action, String uri, String what, FileSystemCall<T> op) throws IOException {
        checkArgument(!uri.isBlank(), "Cannot %s an empty URI (give a file:, s3a: or hdfs: URI)", action);
        Path path;
        try {
            path = new Path(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot " + action + " " + what + ": not a valid Hadoop path ("
                    + SecretRedactor.scrub(e.getMessage(), secrets()) + ")", e);
        }
        try {
            return op.apply(fileSystem(path), path);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Cannot ")) {
                throw e;
            }
            throw StorageFailures.translate(action, what, e, secrets());
        } catch (IOException | RuntimeException | LinkageError e) {
            throw StorageFailures.translate(action, what, e, secrets());
        }
    }

    /** Positional reads on an FSDataInputStream (ranged GETs on S3A). */
    private final class PositionalSource implements ByteSource {
        private final String uri;
        private final FSDataInputStream in;
        private final long size;

        PositionalSource(String uri, FSDataInputStream in, long size) {
            this.uri = uri;
            this.in = in;
            this.size = size;
        }

        @Override
        public String location() {
            return uri;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void readFully(long position, ByteBuffer dst) throws IOException {
            checkState(dst.hasArray(), "rotcal passes heap buffers to ByteSource.readFully");
            int length = dst.remaining();
            if (position + length > size) {
                throw new EOFException("Cannot read " + length + " bytes at offset " + position + " of " + uri
                        + ": the file ends at " + size + " bytes");
            }
            try {
                in.readFully(position, dst.array(), dst.arrayOffset() + dst.position(), length);
                dst.position(dst.limit());
            } catch (IOException | RuntimeException e) {
                throw StorageFailures.translate("read", uri, e, secrets());
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
