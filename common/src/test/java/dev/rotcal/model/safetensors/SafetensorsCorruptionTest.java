package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TestFixtures;
import dev.rotcal.model.forward.ModelWeights;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Corruptions of a real checkpoint file (tiny-llama3's model.safetensors, written by PyTorch's safetensors),
 * loaded the way a user's run loads it (open the checkpoint, validate it against config.json, read every
 * tensor): each fails with one line that names the file, as a {@link CheckpointFormatException} or an
 * {@link UncheckedIOException}, never another exception. Crafted minimal headers are in
 * {@link SafetensorsMalformedTest}.
 */
class SafetensorsCorruptionTest {
    static final Path FIXTURE = TestFixtures.dir(TestFixtures.TINY_LLAMA3);
    static byte[] original;       // the file
    static int headerLength;      // 2296 bytes of JSON after the 8-byte length
    static String header;         // the JSON text (with its space padding)

    @TempDir
    Path tmp;

    /** A named corruption: the bytes it makes from the original and a fragment the message must contain. */
    record Corruption(String kind, UnaryOperator<byte[]> corrupt, String expected) {
        @Override
        public String toString() {
            return kind;
        }
    }

    @BeforeAll
    static void readOriginal() throws IOException {
        original = Files.readAllBytes(FIXTURE.resolve(Checkpoint.SINGLE_FILE));
        headerLength = (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        header = new String(original, 8, headerLength, StandardCharsets.UTF_8);
    }

    static Stream<Corruption> corruptions() {
        readOriginalUnchecked();
        int data = 8 + headerLength;
        return Stream.of(
                new Corruption("truncated inside the length field", b -> Arrays.copyOf(b, 5),
                        "file is 5 bytes, too short for the 8-byte header length"),
                new Corruption("truncated mid-header", b -> Arrays.copyOf(b, 8 + headerLength / 2),
                        "header length 2296 exceeds file size 1156 (truncated file?)"),
                new Corruption("truncated right after the header", b -> Arrays.copyOf(b, data),
                        "beyond the 0-byte data buffer (truncated file?)"),
                new Corruption("truncated mid-data", b -> Arrays.copyOf(b, data + (b.length - data) / 2),
                        "beyond the 102720-byte data buffer (truncated file?)"),
                new Corruption("truncated by its last byte", b -> Arrays.copyOf(b, b.length - 1),
                        "data_offsets [184960, 205440] beyond the 205439-byte data buffer"),
                new Corruption("header length: top bit flipped", b -> flip(b, 7, 0x80),
                        "header length 9223372036854778104 exceeds the 100000000-byte limit"),
                new Corruption("header length: +16 MiB", b -> flip(b, 3, 0x01),
                        "header length 16779512 exceeds file size 207744"),
                new Corruption("header length: +64 KiB, into the data", b -> flip(b, 2, 0x01),
                        "header is not valid JSON"),
                new Corruption("header length: one byte longer", b -> flip(b, 0, 0x01), "header is not valid JSON"),
                new Corruption("header length: 256 bytes longer", b -> flip(b, 1, 0x01), "header is not valid JSON"),
                new Corruption("header length: 8 bytes shorter", b -> flip(b, 0, 0x08),
                        "header is not valid JSON: Unexpected end-of-input"),
                new Corruption("header length zero", b -> setLength(b, 0),
                        "header is empty, expected an object of tensor entries"),
                new Corruption("garbage in the JSON", b -> garbage(b, 8 + 500, 24), "header is not valid JSON"),
                new Corruption("offsets beyond the file", edit("[184960, 205440]", "[184960, 905440]"),
                        "data_offsets [184960, 905440] beyond the 205440-byte data buffer"),
                new Corruption("overlapping offsets", edit("\"shape\": [64], \"data_offsets\": [16384, 16512]",
                        "\"shape\": [64], \"data_offsets\": [16256, 16384]"),
                        "tensors model.embed_tokens.weight [0, 16384] and model.norm.weight [16256, 16384] overlap"),
                new Corruption("unknown dtype", edit("\"BF16\"", "\"BF17\""), "has unknown dtype BF17"),
                new Corruption("unsupported dtype", edit("\"BF16\"", "\"F64\""), "has dtype F64, which rotcal does"),
                new Corruption("shape against byte range", edit("[128, 64]", "[128, 65]"),
                        "has shape [128, 65] of BF16 (16640 bytes) but data_offsets [0, 16384] span 16384 bytes"),
                new Corruption("negative offset", edit("[0, 16384]", "[-16384, 0]"),
                        "has data_offsets [-16384,0], expected [begin, end] with 0 <= begin <= end"),
                new Corruption("negative dimension", edit("[128, 64]", "[-128, 64]"),
                        "has shape [-128,64], expected an array of non-negative integers"),
                new Corruption("NaN dimension", edit("[128, 64]", "[NaN, 64]"), "header is not valid JSON"),
                new Corruption("fractional dimension", edit("[128, 64]", "[1.28e2, 64]"),
                        "has shape [128.0,64], expected an array of non-negative integers"),
                new Corruption("offset beyond 64 bits", edit("[0, 16384]", "[0, 18446744073709551616]"),
                        "has data_offsets [0,18446744073709551616], expected [begin, end]"),
                new Corruption("offset 1e400", edit("[0, 16384]", "[0, 1e400]"), "expected [begin, end]"),
                new Corruption("non-UTF-8 tensor name", b -> replaceByte(b, "lm_head", (byte) 0xC3),
                        "header is not valid JSON: Invalid UTF-8"),
                new Corruption("line break in a bad tensor's name", edit("\"lm_head.weight\": {\"dtype\": \"BF16\"",
                        "\"lm_head\\n.weight\": {\"dtype\": \"BF99\""), "tensor lm_head\\n.weight has unknown dtype"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void eachCorruptionFailsWithOneLineNamingTheFile(Corruption c) throws IOException {
        Path dir = checkpointWith(c.corrupt().apply(original.clone()));
        Throwable thrown = catchThrowable(() -> loadEverything(dir, () -> { }));
        assertOneLineNamingTheFile(c.kind(), thrown, dir.resolve(Checkpoint.SINGLE_FILE), c.expected());
    }

    @Test
    void aFileThatShrinksAfterOpenFailsOnReadWithOneLine() throws IOException {
        Path dir = checkpointWith(original.clone());
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        Throwable thrown = catchThrowable(() -> loadEverything(dir, () -> {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(original.length / 2);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        assertOneLineNamingTheFile("shrinks after open", thrown, file, "Cannot read tensor");
        assertThat(thrown).as("an I/O failure, not a format error").isInstanceOf(UncheckedIOException.class);
    }

    /** What a run does with a checkpoint: open, check against config.json, read every weight. */
    private static void loadEverything(Path dir, Runnable afterOpen) {
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            afterOpen.run();
            CheckpointValidator.validate(config, checkpoint);
            ModelWeights.read(checkpoint, config);
        }
    }

    private static void assertOneLineNamingTheFile(String kind, Throwable thrown, Path file, String expected) {
        assertThat(thrown).as("%s: loading must fail", kind).isNotNull();
        String message = thrown.getMessage();
        System.out.printf("%-40s %s: %s%n", kind, thrown.getClass().getSimpleName(), message);
        assertThat(thrown).as("%s: only the two documented exception types reach the caller (%s)", kind, thrown)
                .isInstanceOfAny(CheckpointFormatException.class, UncheckedIOException.class);
        assertThat(message).as("%s: one line starting with Cannot", kind).startsWith("Cannot ")
                .doesNotContain("\n").doesNotContain("\r")
                .as("%s: names the file", kind).contains(file.toString())
                .as("%s: says what is wrong", kind).contains(expected);
    }

    private Path checkpointWith(byte[] weights) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("checkpoint"));
        Files.copy(FIXTURE.resolve(ModelConfig.FILE_NAME), dir.resolve(ModelConfig.FILE_NAME));
        Files.write(dir.resolve(Checkpoint.SINGLE_FILE), weights);
        return dir;
    }

    private static void readOriginalUnchecked() {
        try {
            readOriginal();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] flip(byte[] b, int index, int mask) {
        b[index] ^= (byte) mask;
        return b;
    }

    private static byte[] setLength(byte[] b, long length) {
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return b;
    }

    /** Seeded random bytes over [from, from + n). */
    private static byte[] garbage(byte[] b, int from, int n) {
        byte[] noise = new byte[n];
        new Random(7).nextBytes(noise);
        System.arraycopy(noise, 0, b, from, n);
        return b;
    }

    /** The first byte of the first occurrence of {@code marker} in the header replaced by {@code value}. */
    private static byte[] replaceByte(byte[] b, String marker, byte value) {
        b[8 + header.indexOf(marker)] = value;   // the header is ASCII, so chars and bytes line up
        return b;
    }

    /** Replaces the first occurrence of {@code from} in the header JSON and rewrites the length field. */
    private static UnaryOperator<byte[]> edit(String from, String to) {
        return b -> {
            int at = header.indexOf(from);
            if (at < 0) {
                throw new IllegalStateException("[BUG] the fixture header has no " + from);
            }
            byte[] json = (header.substring(0, at) + to + header.substring(at + from.length()))
                    .getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(b.length - headerLength + json.length).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(json.length).put(json).put(b, 8 + headerLength, b.length - 8 - headerLength);
            return out.array();
        };
    }
}
