package dev.rotcal.jobs.io;

import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Hadoop FileSystem per JVM for each (settings, scheme, authority), shared by every {@link HadoopStorage}
 * with the same settings and counted by users. Hadoop's own cache ignores the configuration (a second
 * FileSystem.get with other credentials would return the first client), so instances come from
 * FileSystem.newInstance. On executors, where deserialized storages are never closed, an instance lives until
 * the JVM ends (Hadoop's shutdown hook closes it); many tasks share it instead of each opening S3 clients.
 * For file: URIs the raw local file system is used (no .crc side files).
 */
final class SharedFileSystems {
    private static final Logger LOG = LoggerFactory.getLogger(SharedFileSystems.class);

    private record Key(Map<String, String> settings, String scheme, String authority) {
    }

    private static final class Shared {
        final FileSystem opened;
        final FileSystem fileSystem;
        int users;

        Shared(FileSystem opened) {
            this.opened = opened;
            // Hadoop's local file system writes a .crc file next to every file; an artifact must hold only its files.
            this.fileSystem = opened instanceof LocalFileSystem local ? local.getRawFileSystem() : opened;
        }
    }

    private static final Map<Key, Shared> OPEN = new HashMap<>();

    private SharedFileSystems() {
    }

    /** The shared FileSystem for {@code fsUri} (scheme and authority only matter), one more user counted. */
    static synchronized FileSystem acquire(Map<String, String> settings, Configuration conf, URI fsUri)
            throws IOException {
        Key key = new Key(settings, Objects.toString(fsUri.getScheme(), ""), Objects.toString(fsUri.getAuthority(), ""));
        Shared shared = OPEN.get(key);
        if (shared == null) {
            long start = System.nanoTime();
            shared = new Shared(FileSystem.newInstance(fsUri, conf));
            OPEN.put(key, shared);
            LOG.debug("Opened {} for {}://{} in {} ms", shared.fileSystem.getClass().getSimpleName(), key.scheme(),
                    key.authority(), (System.nanoTime() - start) / 1_000_000);
        }
        shared.users++;
        return shared.fileSystem;
    }

    /** One user fewer; the last one closes the FileSystem. */
    static synchronized void release(FileSystem fileSystem) throws IOException {
        for (var it = OPEN.entrySet().iterator(); it.hasNext(); ) {
            Shared shared = it.next().getValue();
            if (shared.fileSystem == fileSystem && --shared.users == 0) {
                it.remove();
                shared.opened.close();
                return;
            }
        }
    }
}
