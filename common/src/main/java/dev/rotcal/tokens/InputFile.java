package dev.rotcal.tokens;

import dev.rotcal.artifact.Storage;
import dev.rotcal.io.ByteSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * One file to read token ids (or a tokenizer.json) from: sequential reads for .npy, JSONL and text,
 * positional reads for safetensors. {@link #local} is a local file; {@link #of(Storage, String)} is a file
 * of any {@link Storage}, so with the jobs module's Hadoop storage s3a:// and hdfs:// corpora work too.
 */
public interface InputFile {

    /** The file's path or URI, for messages. */
    String location();

    /** Opens the file for sequential reading; the caller closes the stream. */
    InputStream newStream() throws IOException;

    /** Opens the file for positional reads (safetensors); the caller closes the source. */
    ByteSource newByteSource() throws IOException;

    /** A local file. */
    static InputFile local(Path path) {
        return new LocalInputFile(path);
    }

    /** The file at {@code uri} of {@code storage}. */
    static InputFile of(Storage storage, String uri) {
        return new StorageInputFile(storage, uri);
    }
}
