package dev.rotcal.tokens;

import dev.rotcal.io.ByteSource;
import dev.rotcal.io.FileByteSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** An {@link InputFile} on the local disk. */
record LocalInputFile(Path path) implements InputFile {

    @Override
    public String location() {
        return path.toString();
    }

    @Override
    public InputStream newStream() throws IOException {
        return new BufferedInputStream(Files.newInputStream(path), 1 << 16);
    }

    @Override
    public ByteSource newByteSource() throws IOException {
        return FileByteSource.open(path);
    }
}
