package dev.rotcal.jobs.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import dev.rotcal.io.ByteSource;
import dev.rotcal.jobs.testing.S3ProxyServer;
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
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** HadoopStorage against a real S3-protocol server (s3proxy on loopback) through S3A. */
class HadoopStorageS3Test {
    private static final String BUCKET = "rotcal-storage";

    private static S3ProxyServer s3;
    private static HadoopStorage storage;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        storage = HadoopStorage.of(s3.s3aSettings());
    }

    @AfterAll
    static void stopS3() throws IOException {
        if (storage != null) {
            storage.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void createsReadsListsRenamesAndDeletesObjects() throws IOException {
        String base = "s3a://" + BUCKET + "/crud";
        write(storage, base + "/a/one.bin", "one");
        write(storage, base + "/a/sub/two.bin", "two!");

        assertThat(read(storage, base + "/a/one.bin")).as("what was uploaded is read back").isEqualTo("one");
        assertThat(storage.size(base + "/a/sub/two.bin")).isEqualTo(4);
        assertThat(storage.exists(base + "/a/sub")).as("a prefix counts as a directory").isTrue();
        assertThat(storage.list(base + "/a", false)).as("direct children of a prefix, directories included")
                .extracting(StorageEntry::relativePath, StorageEntry::directory)
                .containsExactly(tuple("one.bin", false), tuple("sub", true));
        assertThat(storage.list(base + "/a", true)).as("recursive listing: files with paths relative to the prefix")
                .extracting(StorageEntry::relativePath, StorageEntry::uri, StorageEntry::bytes)
                .containsExactly(tuple("one.bin", base + "/a/one.bin", 3L),
                        tuple("sub/two.bin", base + "/a/sub/two.bin", 4L));

        storage.rename(base + "/a/one.bin", base + "/b/deep/one.bin");
        assertThat(read(storage, base + "/b/deep/one.bin")).as("a file moves to exactly the target").isEqualTo("one");
        storage.rename(base + "/a", base + "/c");
        assertThat(read(storage, base + "/c/sub/two.bin")).as("a prefix moves with everything below it")
                .isEqualTo("two!");
        assertThat(storage.exists(base + "/a/sub/two.bin")).as("the source is gone after a rename").isFalse();

        assertThat(storage.delete(base)).as("recursive delete of a prefix").isTrue();
        assertThat(storage.list(base, true)).as("nothing is left under the prefix").isEmpty();
        assertThat(storage.delete(base + "/never")).as("deleting nothing reports false").isFalse();
    }

    @Test
    void readsRangesAndLargerObjects() throws IOException {
        String uri = "s3a://" + BUCKET + "/ranges/blob.bin";
        byte[] blob = new byte[3 << 20];
        new Random(7).nextBytes(blob);
        try (OutputStream out = storage.create(uri, false)) {
            out.write(blob);
        }
        try (ByteSource source = storage.openByteSource(uri)) {
            byte[] slice = new byte[1000];
            source.readFully(2_000_000, ByteBuffer.wrap(slice));
            assertThat(slice).as("a ranged read returns exactly those bytes")
                    .isEqualTo(Arrays.copyOfRange(blob, 2_000_000, 2_001_000));
            assertThat(source.size()).isEqualTo(blob.length);
            assertThatThrownBy(() -> source.readFully(blob.length - 10, ByteBuffer.wrap(slice, 0, 20))).as("past the end")
                    .isInstanceOf(EOFException.class);
        }
        try (InputStream in = storage.open(uri)) {
            assertThat(Sha256.of(in).sha256()).as("a full read returns the object unchanged").isEqualTo(Sha256.of(blob));
        }
    }

    @Test
    void missingAndExistingObjectsGiveTheContractsExceptions() throws IOException {
        String uri = "s3a://" + BUCKET + "/contract/x.txt";
        write(storage, uri, "x");

        assertThatThrownBy(() -> storage.create(uri, false)).as("no silent overwrite")
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageStartingWith("Cannot create " + uri + ": the target already exists");
        assertThatThrownBy(() -> storage.open("s3a://" + BUCKET + "/contract/none"))
                .as("a missing object is a FileNotFoundException with a one-line message")
                .isInstanceOf(FileNotFoundException.class)
                .hasMessage("Cannot open s3a://" + BUCKET + "/contract/none: no such file or directory (check the URI)");
        write(storage, "s3a://" + BUCKET + "/contract/y.txt", "y");
        assertThatThrownBy(() -> storage.rename("s3a://" + BUCKET + "/contract/y.txt", uri))
                .as("rename never replaces").isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void worksAfterJavaSerializationAsOnAnExecutor() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(storage);
        }
        String uri = "s3a://" + BUCKET + "/serialized/z.txt";
        try (Storage copy = (Storage) new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())).readObject()) {
            write(copy, uri, "from an executor");
        }
        assertThat(read(storage, uri)).as("the deserialized copy reached the same bucket").isEqualTo("from an executor");
        assertThat(storage.toString()).as("toString shows no secret").doesNotContain(s3.secretKey());
    }

    @Test
    void wrongCredentialsGiveOneLineWithoutTheSecret() throws IOException {
        String wrongSecret = "wrong-secret-" + Long.toHexString(new Random().nextLong());
        try (HadoopStorage wrong = HadoopStorage.of(s3.s3aSettings(S3ProxyServer.ACCESS_KEY, wrongSecret))) {
            String uri = "s3a://" + BUCKET + "/creds/file.txt";

            Throwable failure = catchThrowable(() -> wrong.exists(uri));

            LoggerFactory.getLogger(HadoopStorageS3Test.class).info("Wrong credentials: {}", failure.getMessage());
            assertThat(failure).as("a signature mismatch is an IOException").isInstanceOf(IOException.class);
            assertThat(failure.getMessage()).as("one line saying what could not be done and what to check")
                    .startsWith("Cannot check " + uri + ": ")
                    .contains("(check fs.s3a.access.key and fs.s3a.secret.key")
                    .doesNotContain("\n").doesNotContain(wrongSecret).doesNotContain(s3.secretKey());
            for (Throwable t = failure; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).as("no cause carries the secret either")
                        .doesNotContain(wrongSecret);
            }
        }
    }

    static void write(Storage storage, String uri, String text) throws IOException {
        try (OutputStream out = storage.create(uri, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    static String read(Storage storage, String uri) throws IOException {
        try (InputStream in = storage.open(uri)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
