package dev.rotcal.artifact;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One file of a published run, as the manifest lists it.
 *
 * @param path   relative to the run directory, '/'-separated ("layers/layer-007.safetensors")
 * @param bytes  the file length
 * @param sha256 lower-case hex SHA-256 of the file's bytes
 */
public record ArtifactFile(
        @JsonProperty("path") String path,
        @JsonProperty("bytes") long bytes,
        @JsonProperty("sha256") String sha256) {

    public ArtifactFile {
        ArtifactLayout.checkRelativePath(path);
        checkArgument(bytes >= 0, "Cannot describe file %s: negative size %d", path, bytes);
        checkArgument(sha256 != null && sha256.matches("[0-9a-f]{64}"),
                "Cannot describe file %s: '%s' is not a lower-case hex SHA-256", path, sha256);
    }
}
