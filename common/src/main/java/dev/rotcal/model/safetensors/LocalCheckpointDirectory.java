package dev.rotcal.model.safetensors;

import dev.rotcal.io.ByteSource;
import dev.rotcal.io.FileByteSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@link CheckpointDirectory} that is a local folder. */
public record LocalCheckpointDirectory(Path dir) implements CheckpointDirectory {

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public boolean exists(String name) {
        return Files.isRegularFile(dir.resolve(name));
    }

    @Override
    public ByteSource open(String name) throws IOException {
        return FileByteSource.open(dir.resolve(name));
    }
}
