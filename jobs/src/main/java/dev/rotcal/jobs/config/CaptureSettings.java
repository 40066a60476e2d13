package dev.rotcal.jobs.config;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code rotcal.capture}.
 *
 * @param storageLevel how captured activation blocks are persisted: one of {@link #STORAGE_LEVELS}
 */
public record CaptureSettings(String storageLevel) implements Serializable {

    /** Spark's StorageLevel names that persist something (NONE would recompute the capture every iteration). */
    public static final List<String> STORAGE_LEVELS = List.of("MEMORY_AND_DISK_SER", "MEMORY_AND_DISK_SER_2",
            "MEMORY_AND_DISK", "MEMORY_AND_DISK_2", "MEMORY_ONLY_SER", "MEMORY_ONLY_SER_2", "MEMORY_ONLY",
            "MEMORY_ONLY_2", "DISK_ONLY", "DISK_ONLY_2", "DISK_ONLY_3", "OFF_HEAP");

    /** The Spark StorageLevel. */
    public StorageLevel sparkStorageLevel() {
        return StorageLevel.fromString(storageLevel);
    }
}
