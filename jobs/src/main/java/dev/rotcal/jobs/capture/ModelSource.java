package dev.rotcal.jobs.capture;

import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import java.io.Serializable;

/**
 * What an executor needs to run a model's layers: the checkpoint folder and the bytes of its config.json
 * (parsed on the executor: {@link ModelConfig} is not serializable). Checkpoints are opened per JVM and
 * shared, see {@link LayerWeightsCache}.
 *
 * @param directory  the checkpoint folder
 * @param configJson the raw config.json, as read and validated on the driver
 */
public record ModelSource(StorageCheckpointDirectory directory, byte[] configJson) implements Serializable {

    public String uri() {
        return directory.uri();
    }

    public ModelConfig config() {
        return ModelConfig.parse(directory.locationOf("config.json"), configJson);
    }

    /**
     * The model's fingerprint in a run's manifest: SHA-256 over config.json and the checkpoint's tensor index (names,
     * dtypes, shapes, shards and byte ranges).
     */
    public String fingerprint() {
        try (Checkpoint checkpoint = open()) {
            String index = checkpoint.infos().values().stream()
                    .map(i -> i.name() + ":" + i.dtype() + ":" + i.shape() + ":" + checkpoint.shardOf(i.name()) + ":"
                            + i.begin() + "-" + i.end())
                    .collect(java.util.stream.Collectors.joining("\n"));
            return dev.rotcal.artifact.Sha256.ofParts(configJson, index.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Opens the checkpoint (header and index only); the caller closes it. */
    public Checkpoint open() {
        return Checkpoint.open(directory);
    }
}
