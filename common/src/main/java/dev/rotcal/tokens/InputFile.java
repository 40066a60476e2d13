package dev.rotcal.tokens;

import dev.rotcal.model.safetensors.ByteSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * One file to read token ids from: sequential reads for .npy, JSONL and text, positional reads for
 * safetensors. {@link #local} is a local file; the jobs module implements this over a Hadoop FileSystem
 * (FSDataInputStream is both an InputStream and positionally readable), so s3a:// corpora work too.
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
}
