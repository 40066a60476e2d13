package dev.rotcal.jobs.testing.probe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code faulty:} with one planted fault, for the fault-injection suite:
 * the commit's steps (a layer file renamed into the run, the manifest renamed, {@code _SUCCESS} created) last
 * milliseconds, too short for a timed kill from outside, so the storage itself fails at the chosen step.
 *
 * <p>Hadoop settings (spark-submit {@code --conf spark.hadoop.…}): {@code fs.faulty.impl} = this class;
 * {@value #PATTERN} a regex over the target path of a rename or create; {@value #ACTION} {@code halt} (the JVM
 * halts with exit 137 at once, no shutdown hook: a driver SIGKILLed at that step) or {@code refuse} (the call
 * throws a {@link ConnectException}: the store went away at that step); {@value #MARKER} a local file created
 * when the fault fires — it fires only while that file does not exist, so the run that follows (the resume) finds
 * a healthy store. Without a pattern it is the plain local file system.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "faulty";
    public static final String PATTERN = "rotcal.faults.pattern";
    public static final String ACTION = "rotcal.faults.action";
    public static final String MARKER = "rotcal.faults.marker";
    private static final URI NAME = URI.create(SCHEME + ":///");

    private Pattern pattern;
    private String action;
    private String marker;

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        String regex = conf.get(PATTERN, "");
        pattern = regex.isEmpty() ? null : Pattern.compile(regex);
        action = conf.get(ACTION, "halt");
        marker = conf.get(MARKER, "");
    }

    @Override
    public URI getUri() {
        return NAME;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        maybeFail("rename " + src + " -> " + dst, dst);
        return super.rename(src, dst);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        maybeFail("create " + f, f);
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        maybeFail("create " + f, f);
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }

    private void maybeFail(String operation, Path target) throws IOException {
        if (pattern == null || !pattern.matcher(target.toUri().getPath()).find()) {
            return;
        }
        java.nio.file.Path markerFile = Paths.get(marker);
        synchronized (FaultyFileSystem.class) {
            if (marker.isEmpty() || Files.exists(markerFile)) {
                return;
            }
            Files.writeString(markerFile, operation + "\n");
        }
        System.err.println("FaultyFileSystem: " + action + " at " + operation);
        if ("halt".equals(action)) {
            Runtime.getRuntime().halt(137);
        }
        throw new ConnectException("Connection refused (FaultyFileSystem: the store went away at " + operation + ")");
    }
}
