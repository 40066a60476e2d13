package dev.rotcal.jobs.calibrate;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What runs leave beside the published ones under an output root, and whether it can go: the staging attempts
 * ({@code <model>/_staging/<run-id>-<attempt>}, and preflight probes) and the checkpoint folders
 * ({@code <model>/_checkpoints/<run-id>}: refine checkpoint and lease). {@code rotcal clean} lists and removes them.
 *
 * <p>A leftover is kept while a live run holds its run id's lease; it goes when its run is published (a published
 * run can never use its staging or checkpoints again) or when nothing under it was written for {@code olderThan}
 * (an abandoned run — a resume would need its checkpoint, so choose the age longer than any resume you intend).
 */
public final class OutputLeftovers {

    /** Staging attempt or checkpoint folder. */
    public enum Kind { STAGING, CHECKPOINTS }

    /**
     * One leftover and the verdict on it.
     *
     * @param kind    staging or checkpoints
     * @param uri     the folder (or probe file)
     * @param runId   its run id ("" when the name does not say)
     * @param bytes   its size
     * @param age     since its newest file was written (empty for an empty folder)
     * @param remove  whether it can go
     * @param reason  why, in words
     */
    public record Leftover(Kind kind, String uri, String runId, long bytes, Optional<Duration> age, boolean remove,
                           String reason) {
    }

    private final Storage storage;
    private final Duration olderThan;

    public OutputLeftovers(Storage storage, Duration olderThan) {
        this.storage = storage;
        this.olderThan = olderThan;
    }

    /** Every leftover under {@code outputUri} (its model folders), in listing order. */
    public List<Leftover> find(String outputUri) throws IOException {
        String root = outputUri.endsWith("/") ? outputUri.substring(0, outputUri.length() - 1) : outputUri;
        List<Leftover> found = new ArrayList<>();
        if (!storage.exists(root)) {
            return found;
        }
        for (StorageEntry model : storage.list(root, false)) {
            if (!model.directory()) {
                continue;
            }
            String modelUri = root + "/" + model.relativePath();
            String staging = modelUri + "/" + ArtifactLayout.STAGING_DIR;
            if (storage.exists(staging)) {
                for (StorageEntry e : storage.list(staging, false)) {
                    String runId = e.directory() ? ArtifactLayout.runIdOfStagingAttempt(e.relativePath()).orElse("")
                            : "";
                    found.add(judge(Kind.STAGING, modelUri, staging + "/" + e.relativePath(), runId, e.directory()));
                }
            }
            String checkpoints = modelUri + "/" + ArtifactLayout.CHECKPOINTS_DIR;
            if (storage.exists(checkpoints)) {
                for (StorageEntry e : storage.list(checkpoints, false)) {
                    if (e.directory()) {
                        found.add(judge(Kind.CHECKPOINTS, modelUri, checkpoints + "/" + e.relativePath(),
                                e.relativePath(), true));
                    }
                }
            }
        }
        return found;
    }

    /** Deletes one leftover the verdict allows to go; returns whether something was deleted. */
    public boolean remove(Leftover leftover) throws IOException {
        if (!leftover.remove()) {
            throw new IllegalArgumentException("Cannot remove " + leftover.uri() + ": " + leftover.reason());
        }
        return storage.delete(leftover.uri());
    }

    private Leftover judge(Kind kind, String modelUri, String uri, String runId, boolean directory)
            throws IOException {
        long bytes = 0;
        long newest = Long.MIN_VALUE;
        List<StorageEntry> files = directory ? storage.list(uri, true) : List.of(new StorageEntry(uri, "", false,
                storage.size(uri)));
        for (StorageEntry f : files) {
            if (!f.directory()) {
                bytes += f.bytes();
                newest = Math.max(newest, storage.modifiedMillis(f.uri()));
            }
        }
        Optional<Duration> age = newest == Long.MIN_VALUE ? Optional.empty()
                : Optional.of(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - newest)));
        if (!runId.isEmpty()) {
            Optional<String> holder = RunLease.liveHolder(storage,
                    modelUri + "/" + ArtifactLayout.CHECKPOINTS_DIR + "/" + runId);
            if (holder.isPresent()) {
                return new Leftover(kind, uri, runId, bytes, age, false, "run " + runId + " is running ("
                        + holder.get() + ")");
            }
            if (storage.exists(modelUri + "/" + runId + "/" + ArtifactLayout.MANIFEST)) {
                return new Leftover(kind, uri, runId, bytes, age, true, "run " + runId + " is published");
            }
        }
        if (age.isEmpty() || age.get().compareTo(olderThan) >= 0) {
            return new Leftover(kind, uri, runId, bytes, age, true, "abandoned: nothing written for "
                    + age.map(OutputLeftovers::human).orElse("ever (empty)") + " (≥ " + human(olderThan) + ")");
        }
        return new Leftover(kind, uri, runId, bytes, age, false, "recent: written " + human(age.get())
                + " ago (< " + human(olderThan) + "); a run may still resume from it");
    }

    /** "3 d 4 h", "2 h 5 min", "40 s". */
    public static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 86_400) {
            return (s / 86_400) + " d " + (s % 86_400) / 3600 + " h";
        }
        if (s >= 3600) {
            return (s / 3600) + " h " + (s % 3600) / 60 + " min";
        }
        if (s >= 60) {
            return (s / 60) + " min";
        }
        return s + " s";
    }

    /** Parses "30m", "12h", "7d", "45s" (or an ISO-8601 duration, "PT12H"). */
    public static Duration parseAge(String text) {
        Matcher m = Pattern.compile("^(\\d+)\\s*([smhd])$").matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("Cannot read the age '" + text + "': write it as 45s, 30m, 12h or 7d");
        }
    }
}
