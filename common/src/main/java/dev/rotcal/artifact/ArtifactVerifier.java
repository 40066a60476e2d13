package dev.rotcal.artifact;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a published run against its manifest (for {@code rotcal inspect} and for consumers): manifest.json
 * readable, _SUCCESS present, every listed file present with the listed size and SHA-256 (recomputed by reading
 * it), and no file in the run directory that the manifest does not list.
 *
 * <p>Problems are collected, one line each, rather than thrown; only a failure to read the manifest for another
 * reason than its absence (no access, store unreachable) is thrown, since then nothing can be checked.
 */
public final class ArtifactVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactVerifier.class);

    private final Storage storage;

    public ArtifactVerifier(Storage storage) {
        this.storage = storage;
    }

    /** Verifies the run directory {@code runUri} (e.g. {@link ArtifactLayout#runUri()}). */
    public VerificationReport verify(String runUri) throws IOException {
        String run = runUri.endsWith("/") ? runUri.substring(0, runUri.length() - 1) : runUri;
        List<String> problems = new ArrayList<>();
        String manifestUri = run + "/" + ArtifactLayout.MANIFEST;
        Manifest manifest;
        try (InputStream in = storage.open(manifestUri)) {
            manifest = Manifest.read(in, manifestUri);
        } catch (FileNotFoundException e) {
            problems.add(ArtifactLayout.MANIFEST + ": missing (not a published run, or its publication did not finish)");
            return new VerificationReport(run, null, 0, 0, problems);
        } catch (IllegalArgumentException e) {
            problems.add(ArtifactLayout.MANIFEST + ": " + e.getMessage());
            return new VerificationReport(run, null, 0, 0, problems);
        }
        if (!storage.exists(run + "/" + ArtifactLayout.SUCCESS)) {
            problems.add(ArtifactLayout.SUCCESS + ": missing (the publication did not finish; do not use this run)");
        }
        int checked = 0;
        long bytes = 0;
        Set<String> listed = new HashSet<>();
        for (ArtifactFile file : manifest.files()) {
            if (!listed.add(file.path())) {
                problems.add(file.path() + ": listed twice in the manifest");
                continue;
            }
            try (InputStream in = storage.open(run + "/" + file.path())) {
                Sha256.Digest actual = Sha256.of(in);
                checked++;
                bytes += actual.bytes();
                if (actual.bytes() != file.bytes()) {
                    problems.add(String.format("%s: %d bytes, but the manifest says %d", file.path(), actual.bytes(),
                            file.bytes()));
                } else if (!actual.sha256().equals(file.sha256())) {
                    problems.add(String.format("%s: sha256 %s, but the manifest says %s", file.path(), actual.sha256(),
                            file.sha256()));
                }
            } catch (FileNotFoundException e) {
                problems.add(file.path() + ": missing (listed in the manifest)");
            } catch (IOException e) {
                problems.add(file.path() + ": cannot be read: " + e.getMessage());
            }
        }
        for (StorageEntry entry : storage.list(run, true)) {
            String path = entry.relativePath();
            if (!listed.contains(path) && !path.equals(ArtifactLayout.MANIFEST) && !path.equals(ArtifactLayout.SUCCESS)) {
                problems.add(path + ": present but not listed in the manifest");
            }
        }
        VerificationReport report = new VerificationReport(run, manifest, checked, bytes, problems);
        LOG.info("{}", report.summary());
        return report;
    }
}
