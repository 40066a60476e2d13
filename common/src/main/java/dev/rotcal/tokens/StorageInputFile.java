package dev.rotcal.tokens;

import dev.rotcal.artifact.Storage;
import dev.rotcal.io.ByteSource;
import java.io.IOException;
import java.io.InputStream;

/** An {@link InputFile} of a {@link Storage}: a local path or a Hadoop URI such as s3a://bucket/corpus.npy. */
record StorageInputFile(Storage storage, String uri) implements InputFile {

    @Override
    public String location() {
        return uri;
    }

    @Override
    public InputStream newStream() throws IOException {
        return storage.open(uri);
    }

    @Override
    public ByteSource newByteSource() throws IOException {
        return storage.openByteSource(uri);
    }
}
