package dev.rotcal.jobs.io;

import dev.rotcal.artifact.Storage;
import dev.rotcal.io.ByteSource;
import dev.rotcal.model.safetensors.CheckpointDirectory;
import java.io.IOException;
import java.io.Serializable;

/**
 * A Hugging Face checkpoint folder on any {@link Storage} (s3a:, hdfs:, file:). Serializable, so executors
 * receive it in a closure and open the files they need themselves.
 *
 * @param storage where the files live
 * @param uri     the folder, e.g. {@code s3a://models/llama-3-8b}
 */
public record StorageCheckpointDirectory(Storage storage, String uri) implements CheckpointDirectory, Serializable {

    @Override
    public String location() {
        return uri;
    }

    @Override
    public boolean exists(String name) throws IOException {
        return storage.exists(locationOf(name));
    }

    @Override
    public ByteSource open(String name) throws IOException {
        return storage.openByteSource(locationOf(name));
    }
}
