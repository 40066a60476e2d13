package dev.rotcal.artifact;

import java.util.List;

/**
 * What {@link ArtifactVerifier} found in a run.
 *
 * @param runUri       the run directory checked
 * @param manifest     the manifest read, or null when there is none or it could not be read
 * @param filesChecked files whose size and SHA-256 were recomputed
 * @param bytesChecked bytes read to do so
 * @param problems     one line per problem; empty when the run is intact
 */
public record VerificationReport(String runUri, Manifest manifest, int filesChecked, long bytesChecked,
        List<String> problems) {

    public VerificationReport {
        problems = List.copyOf(problems);
    }

    /** Whether the run is complete and every file matches the manifest. */
    public boolean ok() {
        return problems.isEmpty();
    }

    /** One line for a log or a terminal. */
    public String summary() {
        String run = manifest == null ? runUri : "run " + manifest.runId() + " at " + runUri;
        return ok()
                ? String.format("OK: %s — %d files, %d bytes match the manifest", run, filesChecked, bytesChecked)
                : String.format("FAILED: %s — %d problem(s), first: %s", run, problems.size(), problems.get(0));
    }
}
