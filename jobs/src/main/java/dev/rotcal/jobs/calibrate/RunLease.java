package dev.rotcal.jobs.calibrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.config.SettingsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run per run id: a lease file ({@code <model>/_checkpoints/<run-id>/lease.json}) taken before any work, renewed
 * every {@link #RENEW_SECONDS} s while the run lives and deleted when it ends. A second run with the same id is refused
 * at once with one line naming the holder; a lease not renewed for {@link #EXPIRY_SECONDS} s, or whose holder was a
 * process of this host that is gone, belongs to a dead run and is taken over (so {@code --resume} of a killed driver
 * needs no clean-up); deleting the file takes it over at once.
 *
 * <p>Guarantees: the lease is created with create-if-absent, which HDFS makes atomic but S3A (Hadoop 3.3: no
 * conditional writes) and Hadoop's local file system do as a check then a write. So every start writes, waits
 * {@link #SETTLE_MILLIS} ms and reads the lease back: of starts racing within that pause the last write wins and the
 * others are refused (tested: 20 rounds of two simultaneous starts, exactly one runs each time). A start whose write
 * lands more than the pause after another's check could still overwrite it; the renewer then finds a foreign token
 * and logs it — schedulers should not start one run id twice at once.
 */
public final class RunLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long RENEW_SECONDS = 20;
    static final long EXPIRY_SECONDS = 90;
    static final long SETTLE_MILLIS = 1000;
    /** The lease's file name inside {@code <model>/_checkpoints/<run-id>/}. */
    public static final String FILE = "lease.json";

    /** The lease file's content. */
    record Holder(String token, String host, long pid, String started, long renewedMillis) {
    }

    private final Storage storage;
    private final String uri;
    private final Holder mine;
    private final ScheduledExecutorService renewer;

    private RunLease(Storage storage, String uri, Holder mine) {
        this.storage = storage;
        this.uri = uri;
        this.mine = mine;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rotcal-run-lease");
            t.setDaemon(true);
            return t;
        });
        renewer.scheduleAtFixedRate(this::renew, RENEW_SECONDS, RENEW_SECONDS, TimeUnit.SECONDS);
    }

    /** The lease of run {@code runId} under {@code checkpointsUri} ({@code <model>/_checkpoints/<run-id>}). */
    public static RunLease acquire(Storage storage, String checkpointsUri, String runId) throws IOException {
        String uri = checkpointsUri + "/" + FILE;
        Holder mine = new Holder(UUID.randomUUID().toString(), host(), ProcessHandle.current().pid(),
                Instant.now().toString(), System.currentTimeMillis());
        if (storage.exists(uri)) {
            Holder other = read(storage, uri);
            long silent = (System.currentTimeMillis() - other.renewedMillis()) / 1000;
            boolean deadHere = other.host().equals(mine.host())
                    && ProcessHandle.of(other.pid()).map(p -> !p.isAlive()).orElse(true);
            if (silent < EXPIRY_SECONDS && !deadHere) {
                throw held(runId, uri, other, silent);
            }
            LOG.warn("Taking over the lease of run {}: its holder ({} pid {}, started {}) {}", runId, other.host(),
                    other.pid(), other.started(), deadHere ? "is no longer running on this host"
                            : "has not renewed it for " + silent + " s");
            storage.delete(uri);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                write(storage, uri, mine, false);
                break;
            } catch (FileAlreadyExistsException e) {
                Holder other = read(storage, uri);
                throw held(runId, uri, other, (System.currentTimeMillis() - other.renewedMillis()) / 1000);
            } catch (IOException e) {
                // two starts creating the folder at once can trip the file system's mkdirs (Hadoop's local one
                // chmods a folder the other just made): the winner's lease is then there, or try once more
                if (storage.exists(uri)) {
                    Holder other = read(storage, uri);
                    throw held(runId, uri, other, (System.currentTimeMillis() - other.renewedMillis()) / 1000);
                }
                if (attempt == 3) {
                    throw e;
                }
            }
        }
        // create-if-absent is a check and a write on S3A and on Hadoop's local file system: two starts racing both
        // write, the later write wins; after a settling pause each reads the lease back and only the winner runs
        try {
            Thread.sleep(SETTLE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while taking the run lease " + uri);
        }
        Holder back = read(storage, uri);
        if (!back.token().equals(mine.token())) {
            throw held(runId, uri, back, 0);
        }
        LOG.info("Run {} holds its lease {} (renewed every {} s)", runId, uri, RENEW_SECONDS);
        return new RunLease(storage, uri, mine);
    }

    /**
     * Who holds the lease under {@code checkpointsUri}, when a live run does: renewed within the expiry and, on this
     * host, by a process that still runs. Empty when there is no lease or it is dead.
     */
    public static Optional<String> liveHolder(Storage storage, String checkpointsUri) throws IOException {
        String uri = checkpointsUri + "/" + FILE;
        if (!storage.exists(uri)) {
            return Optional.empty();
        }
        Holder other = read(storage, uri);
        long silent = (System.currentTimeMillis() - other.renewedMillis()) / 1000;
        boolean deadHere = other.host().equals(host())
                && ProcessHandle.of(other.pid()).map(p -> !p.isAlive()).orElse(true);
        if (silent >= EXPIRY_SECONDS || deadHere) {
            return Optional.empty();
        }
        return Optional.of(String.format("%s pid %d, started %s, renewed %d s ago", other.host(), other.pid(),
                other.started(), silent));
    }

    private static SettingsException held(String runId, String uri, Holder other, long silentSeconds) {
        return new SettingsException(String.format("Cannot start run %s: another run with this run id is running"
                        + " (%s pid %d, started %s, lease renewed %d s ago, %s); one run per run id — wait for it, or if"
                        + " it died, rerun with --resume once its lease expires (%d s after its last renewal) or after"
                        + " deleting that file", runId, other.host(), other.pid(), other.started(), silentSeconds, uri,
                EXPIRY_SECONDS));
    }

    private void renew() {
        try {
            Holder current = read(storage, uri);
            if (!current.token().equals(mine.token())) {
                LOG.error("The lease {} was taken over by {} pid {}: two runs share this run id", uri, current.host(),
                        current.pid());
                return;
            }
            write(storage, uri, new Holder(mine.token(), mine.host(), mine.pid(), mine.started(),
                    System.currentTimeMillis()), true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not renew the run lease {}: {}", uri, e.getMessage());
        }
    }

    /** Stops renewing and deletes the lease (and its folder when nothing else is in it). */
    @Override
    public void close() {
        renewer.shutdownNow();
        try {
            if (storage.exists(uri) && read(storage, uri).token().equals(mine.token())) {
                storage.delete(uri);
            }
            String folder = uri.substring(0, uri.lastIndexOf('/'));
            if (storage.exists(folder) && storage.list(folder, false).isEmpty()) {
                storage.delete(folder);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not release the run lease {}: {}", uri, e.getMessage());
        }
    }

    private static Holder read(Storage storage, String uri) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try (InputStream in = storage.open(uri)) {
                return JSON.readValue(in, Holder.class);
            } catch (com.fasterxml.jackson.core.JacksonException | java.io.FileNotFoundException e) {
                // another start is writing it this very moment: give it a moment; a lease still unreadable then was
                // cut short long ago and counts as expired
                if (attempt == 5) {
                    return new Holder("unreadable", "unknown", -1, "unknown", 0);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading the run lease " + uri);
                }
            }
        }
    }

    private static void write(Storage storage, String uri, Holder holder, boolean overwrite) throws IOException {
        try (OutputStream out = storage.create(uri, overwrite)) {
            out.write(JSON.writeValueAsBytes(holder));
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
