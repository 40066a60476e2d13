package dev.rotcal.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.rotcal.io.ByteSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageTest {
    @TempDir
    Path dir;

    private final LocalStorage storage = new LocalStorage();

    @Test
    void createsReadsListsRenamesAndDeletesThroughFileUris() throws IOException {
        String base = "file:" + dir;
        write(base + "/a/one.bin", "one");
        write(base + "/a/sub/two.bin", "two!");

        assertThat(read(base + "/a/one.bin")).as("what was written is read back").isEqualTo("one");
        assertThat(storage.size(base + "/a/sub/two.bin")).as("size in bytes").isEqualTo(4);
        assertThat(storage.exists(base + "/a/sub")).as("parents are created").isTrue();
        assertThat(storage.list(base + "/a", false)).as("a plain listing shows direct children, dirs included")
                .extracting(StorageEntry::relativePath, StorageEntry::directory)
                .containsExactly(tuple("one.bin", false),
                        tuple("sub", true));
        assertThat(storage.list(base + "/a", true)).as("a recursive listing shows files with relative paths")
                .extracting(StorageEntry::relativePath, StorageEntry::uri, StorageEntry::bytes)
                .containsExactly(tuple("one.bin", base + "/a/one.bin", 3L),
                        tuple("sub/two.bin", base + "/a/sub/two.bin", 4L));

        storage.rename(base + "/a", base + "/b/moved");
        assertThat(read(base + "/b/moved/sub/two.bin")).as("a directory moves to exactly the target").isEqualTo("two!");
        assertThat(storage.exists(base + "/a")).as("the source is gone after a rename").isFalse();

        assertThat(storage.delete(base + "/b")).as("delete reports that something was deleted").isTrue();
        assertThat(storage.exists(base + "/b/moved/one.bin")).as("delete is recursive").isFalse();
        assertThat(storage.delete(base + "/b")).as("deleting nothing reports false").isFalse();
        assertThat(storage.list(base + "/missing", true)).as("a missing directory lists as empty").isEmpty();
    }

    @Test
    void acceptsPlainPathsAndTripleSlashUris() throws IOException {
        write(dir + "/plain.txt", "x");
        assertThat(storage.exists("file://" + dir + "/plain.txt")).as("file:///path names the same file").isTrue();
        assertThat(LocalStorage.toPath("file:" + dir + "/plain.txt")).as("file:/path is a local path")
                .isEqualTo(dir.resolve("plain.txt"));
    }

    @Test
    void refusesOverwritesAndRenamesOntoExistingFilesUnlessAsked() throws IOException {
        String file = dir + "/f.txt";
        write(file, "first");
        assertThatThrownBy(() -> storage.create(file, false)).as("create without overwrite keeps the file")
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageStartingWith("Cannot create " + file);
        try (OutputStream out = storage.create(file, true)) {
            out.write("second".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(read(file)).as("overwrite replaces the whole content").isEqualTo("second");

        write(dir + "/g.txt", "g");
        assertThatThrownBy(() -> storage.rename(dir + "/g.txt", file)).as("rename never replaces a target")
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> storage.open(dir + "/nope")).as("missing files are FileNotFoundException")
                .isInstanceOf(FileNotFoundException.class).hasMessage("Cannot open " + dir + "/nope: no such file");
    }

    @Test
    void readsRangesWithoutTheRestOfTheFile() throws IOException {
        String file = dir + "/range.bin";
        write(file, "0123456789");
        try (ByteSource source = storage.openByteSource(file)) {
            byte[] buffer = new byte[6];
            source.readFully(3, ByteBuffer.wrap(buffer, 1, 4));
            assertThat(new String(buffer, 1, 4, StandardCharsets.UTF_8)).as("bytes 3..6 land at the offset")
                    .isEqualTo("3456");
            assertThat(source.size()).isEqualTo(10);
            assertThatThrownBy(() -> source.readFully(8, ByteBuffer.wrap(buffer, 0, 4))).as("reading past the end is an EOF")
                    .isInstanceOf(EOFException.class);
        }
    }

    @Test
    void refusesHadoopSchemesWithAHint() {
        assertThatThrownBy(() -> storage.exists("s3a://bucket/x")).as("LocalStorage must not guess at s3a:")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot use s3a://bucket/x with LocalStorage").hasMessageContaining("HadoopStorage");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(storage);
        }
        Object copy = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())).readObject();
        write(dir + "/s.txt", "s");
        assertThat(((Storage) copy).exists(dir + "/s.txt")).as("a deserialized storage works (executors)").isTrue();
    }

    private void write(String uri, String text) throws IOException {
        try (OutputStream out = storage.create(uri, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private String read(String uri) throws IOException {
        try (InputStream in = storage.open(uri)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
