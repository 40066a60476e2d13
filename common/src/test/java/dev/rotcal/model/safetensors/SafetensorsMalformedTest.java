package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crafted bad files: each fails on open with one line naming the file and the problem. */
class SafetensorsMalformedTest {
    @TempDir
    Path tmp;

    /** A file with the given header length field, header bytes, and {@code dataBytes} zero bytes of data. */
    private Path raw(long headerLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        Path file = tmp.resolve("bad.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private Path withHeader(String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return raw(header.length, header, dataBytes);
    }

    private void assertRejected(Path file, String expectedFragment) {
        assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .as("opening %s should fail with %s", file, expectedFragment)
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageStartingWith("Cannot read safetensors file " + file + ": ")
                .hasMessageContaining(expectedFragment)
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
    }

    @Test
    void rejectsAFileShorterThanTheLengthField() throws IOException {
        Path file = tmp.resolve("short.safetensors");
        Files.write(file, new byte[5]);
        assertRejected(file, "file is 5 bytes, too short for the 8-byte header length");
    }

    @Test
    void rejectsAnAbsurdHeaderLength() throws IOException {
        assertRejected(raw(9_000_000_000_000_000_000L, new byte[0], 4088),
                "header length 9000000000000000000 exceeds the 100000000-byte limit");
        assertRejected(raw(-1L, new byte[0], 16), "header length 18446744073709551615 exceeds");
        assertRejected(raw(200_000_000L, new byte[0], 16), "header length 200000000 exceeds the 100000000-byte");
    }

    @Test
    void rejectsAHeaderLongerThanTheFile() throws IOException {
        assertRejected(raw(5000, new byte[0], 4088), "header length 5000 exceeds file size 4096 (truncated file?)");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\",", 0), "header is not valid JSON");
        assertRejected(withHeader("[1, 2]", 0), "header is a JSON ARRAY, expected an object");
        assertRejected(withHeader("{\"w\": {}, \"w\": {}}", 0), "Duplicate field 'w'");
        byte[] notUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertRejected(raw(notUtf8.length, notUtf8, 0), "header is not valid JSON");
    }

    @Test
    void rejectsMissingOrIllTypedFields() throws IOException {
        assertRejected(withHeader("{\"w\": 3}", 0), "tensor w is a JSON NUMBER, expected an object with dtype");
        assertRejected(withHeader("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                "tensor w has no dtype");
        assertRejected(withHeader("{\"w\": {\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                "tensor w has a NUMBER as dtype");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4),
                "tensor w has shape null, expected an array of non-negative integers");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4),
                "tensor w has shape [-1], expected an array of non-negative integers");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4),
                "tensor w has shape [1.5]");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4]}}", 4),
                "tensor w has data_offsets [4], expected [begin, end] with 0 <= begin <= end");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4),
                "tensor w has data_offsets [4,0], expected [begin, end]");
        assertRejected(withHeader("{\"\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                "a tensor has an empty name");   // found by SafetensorsFuzzTest: it failed later, without the file
        assertRejected(withHeader("{\"__metadata__\": {\"n\": 1}}", 0),
                "__metadata__ key n is a JSON NUMBER, safetensors metadata values must be strings");
    }

    @Test
    void rejectsUnsupportedAndUnknownDtypes() throws IOException {
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8),
                "tensor w has dtype F64, which rotcal does not read (supported: F32, F16, BF16, I32, I64, U8, I8)");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"BOOL\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1),
                "tensor w has dtype BOOL, which rotcal does not read");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"Q4_K\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1),
                "tensor w has unknown dtype Q4_K (supported: F32");
    }

    @Test
    void rejectsByteRangesThatDoNotMatchOrDoNotTile() throws IOException {
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [1024], \"data_offsets\": [0, 4096]}}", 16),
                "tensor w has data_offsets [0, 4096] beyond the 16-byte data buffer (truncated file?)");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 8]}}", 8),
                "tensor w has shape [2, 2] of F32 (16 bytes) but data_offsets [0, 8] span 8 bytes");
        assertRejected(withHeader("{\"w\": {\"dtype\": \"BF16\", \"shape\": [4611686018427387904, 4],"
                + " \"data_offsets\": [0, 8]}}", 8), "tensor w has shape [4611686018427387904, 4], whose size"
                + " overflows 64 bits");
        assertRejected(withHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 24),
                "tensors a [0, 16] and b [8, 24] overlap");
        assertRejected(withHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [16, 24]}}", 24),
                "bytes [8, 16) of the data buffer belong to no tensor");
        assertRejected(withHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 16),
                "the last 8 bytes of the file belong to no tensor");
    }

    @Test
    void namesTheMissingTensorAndTheFile() throws IOException {
        Path file = tmp.resolve("ok.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of(Tensor.ofInts("ids", List.of(2L), new int[] {1, 2})));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> read.read("model.norm.weight")).as("absent tensor")
                    .isInstanceOf(CheckpointFormatException.class)
                    .hasMessage("Cannot find tensor model.norm.weight in " + file + ": the file has no such tensor"
                            + " (it has 1 tensors; wrong file or model family?)");
            assertThatThrownBy(() -> read.readFloats("ids")).as("integer tensor read as floats")
                    .hasMessage("Cannot read tensor ids from " + file + " as floats: its dtype is I32");
            assertThatThrownBy(() -> read.readWithPrefix("model.layers.7.")).as("prefix matching nothing")
                    .hasMessage("Cannot read tensors with prefix model.layers.7. from " + file + ": no tensor name"
                            + " starts with it");
        }
    }

    @Test
    void closesTheSourceWhenTheHeaderIsBad() {
        InMemoryByteSource source = new InMemoryByteSource("mem://bad", new byte[3]);
        assertThatThrownBy(() -> SafetensorsFile.open(source)).as("too short")
                .hasMessageContaining("mem://bad");
        assertThat(source.closed).as("a failed open does not leak the source").isTrue();
    }
}
