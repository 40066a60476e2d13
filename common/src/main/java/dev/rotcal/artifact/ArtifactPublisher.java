package dev.rotcal.artifact;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one run: files are written to a staging directory (see {@link ArtifactLayout} for why there), and
 * {@link #commit} moves them into the run directory, then writes manifest.json (every file with bytes and
 * SHA-256), then _SUCCESS. Consumers trust a run only when both are present.
 *
 * <p>Refuses to replace a published run (one with a manifest) unless {@code overwrite}; it checks at
 * {@link #begin} (so a run fails before hours of work) and again at commit. A run directory without a
 * manifest is the leftover of an unfinished commit and is replaced. When anything fails before the commit
 * completes, what this publisher wrote is deleted (best effort) and no manifest or _SUCCESS is left;
 * {@link #close()} without a commit does the same. One writer per run id: two concurrent publishers of the
 * same run are not detected.
 *
 * <p>Files may also be written by executors with {@link #writeStaged} into {@link #stagingUri()} and handed to
 * the driver's publisher with {@link #adopt}.
 */
public final class ArtifactPublisher implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactPublisher.class);
    private static final SecureRandom ATTEMPTS = new SecureRandom();

    /** Writes a file's content; the stream is closed by the caller of the writer. */
    @FunctionalInterface
    public interface ContentWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Storage storage;
    private final ArtifactLayout layout;
    private final boolean overwrite;
    private final String stagingUri;
    private final Map<String, ArtifactFile> staged = new TreeMap<>();
    private boolean finished;

    private ArtifactPublisher(Storage storage, ArtifactLayout layout, boolean overwrite, String stagingUri) {
        this.storage = storage;
        this.layout = layout;
        this.overwrite = overwrite;
        this.stagingUri = stagingUri;
    }

    /**
     * Starts publishing a run: checks that the target can be written and picks a fresh staging directory.
     *
     * @param overwrite replace a published run of the same model and run id (rotcal.output.overwrite)
     */
    public static ArtifactPublisher begin(Storage storage, ArtifactLayout layout, boolean overwrite) throws IOException {
        checkNotPublished(storage, layout, overwrite);
        String attempt = HexFormat.of().toHexDigits(ATTEMPTS.nextInt());
        ArtifactPublisher publisher = new ArtifactPublisher(storage, layout, overwrite, layout.stagingUri(attempt));
        LOG.info("Publishing run {} of {}: staging under {}", layout.runId(), layout.modelName(), publisher.stagingUri);
        return publisher;
    }

    public ArtifactLayout layout() {
        return layout;
    }

    /** This attempt's staging directory, for files written elsewhere ({@link #writeStaged}). */
    /** The storage the run is staged and published on (executors read staged files through it). */
    public Storage storage() {
        return storage;
    }

    public String stagingUri() {
        return stagingUri;
    }

    /** Stages a file; its size and SHA-256 are computed while it is written. */
    public ArtifactFile write(String relativePath, ContentWriter writer) throws IOException {
        checkStageable(relativePath);
        synchronized (staged) {
            checkArgument(!staged.containsKey(relativePath), "Cannot stage %s for run %s: it is already staged",
                    relativePath, layout.runId());
        }
        ArtifactFile file = writeStaged(storage, stagingUri, relativePath, writer);
        register(file);
        return file;
    }

    /** Stages a file from bytes in memory (JSON, HTML). */
    public ArtifactFile write(String relativePath, byte[] content) throws IOException {
        return write(relativePath, out -> out.write(content));
    }

    /**
     * Writes one file below a staging directory and returns its size and SHA-256; usable on executors with a
     * serialized {@link Storage}. A failed write deletes its partial file (best effort) and rethrows.
     */
    public static ArtifactFile writeStaged(Storage storage, String stagingUri, String relativePath, ContentWriter writer)
            throws IOException {
        return writeStaged(storage, stagingUri, relativePath, false, writer);
    }

    /**
     * {@link #writeStaged(Storage, String, String, ContentWriter)}, replacing a file already there when
     * {@code replace}: a Spark task's retry (after its executor was lost) writes its file again.
     */
    public static ArtifactFile writeStaged(Storage storage, String stagingUri, String relativePath, boolean replace,
                                           ContentWriter writer) throws IOException {
        checkStageable(relativePath);
        String uri = stagingUri + "/" + relativePath;
        HashingOutputStream out = new HashingOutputStream(storage.create(uri, replace));
        try (out) {
            writer.writeTo(out);
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(storage, uri, e);
            throw e;
        }
        Sha256.Digest digest = out.result();
        LOG.debug("Staged {} ({} bytes, sha256 {})", uri, digest.bytes(), digest.sha256());
        return new ArtifactFile(relativePath, digest.bytes(), digest.sha256());
    }

    /** Takes over a file written into {@link #stagingUri()} by {@link #writeStaged} elsewhere (an executor). */
    public void adopt(ArtifactFile file) throws IOException {
        checkStageable(file.path());
        String uri = stagingUri + "/" + file.path();
        long actual = storage.size(uri);
        checkArgument(actual == file.bytes(), "Cannot adopt staged file %s: it holds %d bytes, not the %d reported",
                uri, actual, file.bytes());
        register(file);
    }

    /** The files staged so far, by relative path. */
    public List<ArtifactFile> stagedFiles() {
        synchronized (staged) {
            return List.copyOf(staged.values());
        }
    }

    /**
     * Commits the run: moves the staged files into the run directory, writes manifest.json (the draft with its
     * config redacted and the staged files listed), then _SUCCESS.
     *
     * @param draft the manifest without files ({@link Manifest#draft}); its run id must be the layout's
     * @return the manifest as written
     */
    public Manifest commit(Manifest draft) throws IOException {
        checkState(!finished, "commit of run %s after it was committed or aborted", layout.runId());
        checkArgument(draft.runId().equals(layout.runId()),
                "Cannot commit run %s: the manifest is for run %s (build the manifest with the layout's run id)",
                layout.runId(), draft.runId());
        checkArgument(draft.files().isEmpty(),
                "Cannot commit run %s: the draft manifest already lists files (the publisher lists what it staged)",
                layout.runId());
        checkNotPublished(storage, layout, overwrite);
        List<ArtifactFile> files = stagedFiles();
        Manifest manifest = draft.withConfig(SecretRedactor.redact(draft.config())).withFiles(files);
        finished = true;
        try {
            clearTarget();
            for (ArtifactFile file : files) {
                storage.rename(stagingUri + "/" + file.path(), layout.uri(file.path()));
            }
            String stagedManifest = stagingUri + "/" + ArtifactLayout.MANIFEST;
            try (OutputStream out = storage.create(stagedManifest, false)) {
                out.write(manifest.toJson());
            }
            storage.rename(stagedManifest, layout.manifestUri());
            storage.create(layout.successUri(), true).close();
        } catch (IOException | RuntimeException | Error e) {
            LOG.error("Publishing run {} failed; removing what was written under {} and {}", layout.runId(),
                    layout.runUri(), stagingUri);
            deleteQuietly(storage, layout.successUri(), e);
            deleteQuietly(storage, layout.manifestUri(), e);
            deleteQuietly(storage, layout.runUri(), e);
            deleteStaging(e);
            throw e;
        }
        deleteStaging(null);
        deleteStaleAttempts();
        long bytes = files.stream().mapToLong(ArtifactFile::bytes).sum();
        LOG.info("Published run {} at {}: {} files, {} bytes", layout.runId(), layout.runUri(), files.size(), bytes);
        return manifest;
    }

    /** Deletes this attempt's staging directory (best effort); the publisher cannot be used afterwards. */
    public void abort() {
        if (!finished) {
            finished = true;
            LOG.warn("Abandoning the publication of run {}; deleting {}", layout.runId(), stagingUri);
            deleteStaging(null);
        }
    }

    /** Aborts unless committed. */
    @Override
    public void close() {
        abort();
    }

    private void register(ArtifactFile file) {
        synchronized (staged) {
            checkState(!finished, "staging %s for run %s after it was committed or aborted", file.path(), layout.runId());
            checkArgument(staged.putIfAbsent(file.path(), file) == null, "Cannot stage %s for run %s: it is already staged",
                    file.path(), layout.runId());
        }
    }

    /** Empties the run directory: an overwritten published run, or the leftovers of a failed commit. */
    private void clearTarget() throws IOException {
        if (storage.exists(layout.manifestUri())) {
            LOG.warn("Overwriting the published run at {} (overwrite requested)", layout.runUri());
            storage.delete(layout.successUri());
            storage.delete(layout.manifestUri());
        } else if (storage.exists(layout.runUri())) {
            LOG.warn("Removing the leftovers of an unfinished publication at {}", layout.runUri());
        }
        storage.delete(layout.runUri());
    }

    private static void checkNotPublished(Storage storage, ArtifactLayout layout, boolean overwrite) throws IOException {
        checkArgument(overwrite || !storage.exists(layout.manifestUri()),
                "Cannot publish run %s: %s already holds a published run (manifest.json present); "
                        + "pass --set rotcal.output.overwrite=true or choose another run id",
                layout.runId(), layout.runUri());
    }

    private static void checkStageable(String relativePath) {
        ArtifactLayout.checkRelativePath(relativePath);
        for (String segment : relativePath.split("/")) {
            checkArgument(!segment.startsWith("_") && !segment.startsWith("."),
                    "Cannot stage %s: names starting with '_' or '.' are reserved (manifest.json and _SUCCESS are "
                            + "written by the commit)", relativePath);
        }
        checkArgument(!relativePath.equals(ArtifactLayout.MANIFEST),
                "Cannot stage %s: the commit writes manifest.json itself", relativePath);
    }

    private void deleteStaging(Throwable failure) {
        deleteQuietly(storage, stagingUri, failure);
        try {
            if (storage.list(layout.stagingRootUri(), false).isEmpty()) {
                storage.delete(layout.stagingRootUri());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not tidy {}: {}", layout.stagingRootUri(), e.getMessage());
        }
    }

    /**
     * After a successful commit: the run id's other staging attempts (left by a killed driver or a failed commit)
     * can never publish — the run is published now — so they go too, instead of leaking.
     */
    private void deleteStaleAttempts() {
        try {
            for (StorageEntry e : storage.list(layout.stagingRootUri(), false)) {
                String name = e.relativePath();
                if (e.directory() && ArtifactLayout.runIdOfStagingAttempt(name).filter(layout.runId()::equals)
                        .isPresent() && !stagingUri.endsWith("/" + name)) {
                    LOG.info("Removing a stale staging attempt of run {}: {}", layout.runId(), e.uri());
                    deleteQuietly(storage, e.uri(), null);
                }
            }
            if (storage.exists(layout.stagingRootUri())
                    && storage.list(layout.stagingRootUri(), false).isEmpty()) {
                storage.delete(layout.stagingRootUri());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove stale staging attempts under {}: {}", layout.stagingRootUri(), e.getMessage());
        }
    }

    private static void deleteQuietly(Storage storage, String uri, Throwable failure) {
        try {
            storage.delete(uri);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {} ({}); delete it by hand", uri, e.getMessage());
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    /** For tests and messages. */
    @Override
    public String toString() {
        return "ArtifactPublisher[" + layout.runUri() + ", staging " + stagingUri + ", " + stagedFiles().size() + " files]";
    }
}
