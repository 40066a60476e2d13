package dev.rotcal.artifact;

/**
 * One file or directory found by {@link Storage#list}.
 *
 * @param uri          the entry's URI, written as the listed URI followed by {@code relativePath}
 * @param relativePath the path below the listed directory, '/'-separated ("layers/layer-000.safetensors")
 * @param directory    whether the entry is a directory (only in non-recursive listings)
 * @param bytes        the file length; 0 for directories
 */
public record StorageEntry(String uri, String relativePath, boolean directory, long bytes) {
}
