package dev.rotcal.jobs.calibrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import dev.rotcal.jobs.config.RotcalSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code calibrate --resume} of a run id whose manifest is already written with this very configuration: the run
 * is published (a run is visible once its manifest is), so there is nothing to redo — a driver that died after the
 * manifest and before {@code _SUCCESS} or the clean-up, or a scheduler retrying a run that had in fact finished.
 * The resume then only completes the commit: {@code _SUCCESS} if missing, the run id's staging attempts and its
 * checkpoint folder (under the run's lease), and reports success. A manifest with another configuration is left to
 * the preflight, which refuses to overwrite it.
 */
public final class CompletedRun {
    private static final Logger LOG = LoggerFactory.getLogger(CompletedRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private CompletedRun() {
    }

    /**
     * Completes the commit of an already published run of these settings.
     *
     * @return the run's URI when it was published with this configuration; empty when nothing (or another
     *     configuration) is published under this run id
     */
    public static Optional<String> complete(Storage storage, RotcalSettings settings) throws IOException {
        ArtifactLayout layout = settings.layout();
        if (!storage.exists(layout.manifestUri())) {
            return Optional.empty();
        }
        Manifest manifest;
        try (InputStream in = storage.open(layout.manifestUri())) {
            manifest = Manifest.read(in, layout.manifestUri());
        }
        // compared as the manifest holds it: written as JSON and read back (number node types differ otherwise)
        if (!JSON.readTree(JSON.writeValueAsBytes(settings.toRedactedTree())).equals(manifest.config())) {
            return Optional.empty();
        }
        String checkpoints = layout.checkpointsUri();
        try (RunLease lease = RunLease.acquire(storage, checkpoints, layout.runId())) {
            if (!storage.exists(layout.successUri())) {
                try (OutputStream out = storage.create(layout.successUri(), true)) {
                    LOG.info("Completing the commit of run {}: writing {}", layout.runId(), layout.successUri());
                }
            }
            if (storage.exists(layout.stagingRootUri())) {
                for (StorageEntry e : storage.list(layout.stagingRootUri(), false)) {
                    if (e.directory() && ArtifactLayout.runIdOfStagingAttempt(e.relativePath())
                            .filter(layout.runId()::equals).isPresent()) {
                        LOG.info("Removing a stale staging attempt of run {}: {}", layout.runId(), e.uri());
                        storage.delete(e.uri());
                    }
                }
            }
            if (storage.exists(checkpoints)) {
                for (StorageEntry e : storage.list(checkpoints, false)) {
                    if (!e.relativePath().equals(RunLease.FILE)) {
                        storage.delete(e.uri()); // the lease and the folder go when it is released
                    }
                }
            }
        }
        LOG.info("Run {} was already published at {} with this configuration; nothing to resume", layout.runId(),
                layout.runUri());
        return Optional.of(layout.runUri());
    }
}
