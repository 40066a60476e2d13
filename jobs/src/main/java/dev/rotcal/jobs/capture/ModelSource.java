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

    /** Opens the checkpoint (header and index only); the caller closes it. */
    public Checkpoint open() {
        return Checkpoint.open(directory);
    }
}
