package dev.rotcal.model.safetensors;

import dev.rotcal.io.ByteSource;
import java.io.IOException;

/**
 * The files of a Hugging Face checkpoint directory, opened by name relative to it ("config.json",
 * "model-00001-of-00004.safetensors"). {@link LocalCheckpointDirectory} is a local folder; the jobs module
 * implements this over a Hadoop FileSystem so the same code reads s3a:// and hdfs:// checkpoints.
 */
public interface CheckpointDirectory {

    /** The directory's path or URI, for messages. */
    String location();

    /** True when a regular file {@code name} exists in the directory. */
    boolean exists(String name) throws IOException;

    /** Opens file {@code name} of the directory for positional reads; the caller closes it. */
    ByteSource open(String name) throws IOException;

    /** {@code location() + "/" + name}, for messages. */
    default String locationOf(String name) {
        String dir = location();
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
