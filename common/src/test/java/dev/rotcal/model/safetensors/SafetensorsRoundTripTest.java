package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path tmp;

    private final SplittableRandom random = new SplittableRandom(42);

    private float[] gaussians(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** One tensor of every dtype, with edge values and shapes: scalar, empty, 1-d, 3-d. */
    private List<Tensor> everyDtype() {
        float[] f32 = gaussians(24);
        f32[0] = Float.POSITIVE_INFINITY;
        f32[1] = -0f;
        f32[2] = Float.MIN_VALUE;
        f32[3] = Float.MAX_VALUE;
        float[] f16 = gaussians(12);
        float[] bf16 = gaussians(6);
        for (int i = 0; i < f16.length; i++) {
            f16[i] = Float16.toFloat(Float16.fromFloat(f16[i])); // representable, so exact on round trip
        }
        for (int i = 0; i < bf16.length; i++) {
            bf16[i] = BFloat16.toFloat(BFloat16.fromFloat(bf16[i]));
        }
        f16[0] = 65504f;
        f16[1] = 0x1p-24f;
        bf16[0] = Float.NEGATIVE_INFINITY;
        byte[] u8 = new byte[256];
        for (int i = 0; i < 256; i++) {
            u8[i] = (byte) i;
        }
        return List.of(
                Tensor.ofFloats("a.f32", SafetensorsDtype.F32, List.of(2L, 3L, 4L), f32),
                Tensor.ofFloats("b.f16", SafetensorsDtype.F16, List.of(3L, 4L), f16),
                Tensor.ofFloats("c.bf16", SafetensorsDtype.BF16, List.of(6L), bf16),
                Tensor.ofInts("d.i32", List.of(4L), new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}),
                Tensor.ofLongs("e.i64", List.of(), new long[] {Long.MIN_VALUE + 7}),
                Tensor.ofBytes("f.u8", SafetensorsDtype.U8, List.of(16L, 16L), u8),
                Tensor.ofBytes("g.i8", SafetensorsDtype.I8, List.of(3L), new byte[] {-128, 0, 127}),
                Tensor.ofFloats("h.empty", SafetensorsDtype.F32, List.of(0L, 5L), new float[0]));
    }

    @Test
    void everyDtypeRoundTripsExactly() {
        Path file = tmp.resolve("all.safetensors");
        List<Tensor> written = everyDtype();
        SafetensorsWriter.write(file, Map.of("format", "pt", "note", "round trip"), written);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.metadata()).as("metadata survives").containsExactlyInAnyOrderEntriesOf(
                    Map.of("format", "pt", "note", "round trip"));
            assertThat(read.tensorNames()).as("every tensor is there").hasSize(written.size());
            for (Tensor expected : written) {
                Tensor actual = read.read(expected.name());
                assertThat(actual.dtype()).as("%s dtype", expected.name()).isEqualTo(expected.dtype());
                assertThat(actual.shape()).as("%s shape", expected.name()).isEqualTo(expected.shape());
                assertThat(actual.values()).as("%s values are bit-exact", expected.name())
                        .isEqualTo(expected.values());
            }
        }
    }

    @Test
    void floatsAreRoundedToTheTargetDtypeTiesToEven() {
        float[] values = gaussians(1000);
        values[0] = 1f + 0x1p-8f; // a bf16 tie
        values[1] = 1f + 0x1p-11f; // an f16 tie
        Path file = tmp.resolve("rounded.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of(
                Tensor.ofFloats("bf16", SafetensorsDtype.BF16, List.of(1000L), values),
                Tensor.ofFloats("f16", SafetensorsDtype.F16, List.of(1000L), values)));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            float[] bf16 = read.readFloats("bf16");
            float[] f16 = read.readFloats("f16");
            for (int i = 0; i < values.length; i++) {
                assertThat(bf16[i]).as("bf16 element %d is the RNE rounding of %s", i, values[i])
                        .isEqualTo(BFloat16.toFloat(BFloat16.fromFloat(values[i])));
                assertThat(f16[i]).as("f16 element %d is the RNE rounding of %s", i, values[i])
                        .isEqualTo(Float16.toFloat(Float16.fromFloat(values[i])));
            }
            assertThat(bf16[0]).as("bf16 tie rounds to even").isEqualTo(1f);
            assertThat(f16[1]).as("f16 tie rounds to even").isEqualTo(1f);
        }
    }

    @Test
    void headerIsSortedPackedAndPaddedToEightBytesWithSpaces() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, Map.of("format", "pt"), everyDtype());
        byte[] bytes = out.toByteArray();
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(headerLength % 8).as("the data buffer starts 8-byte aligned").isZero();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(header.stripTrailing()).as("JSON without padding ends the object").endsWith("}");
        assertThat(header.substring(header.stripTrailing().length())).as("padding is spaces").isBlank();
        JsonNode root = new ObjectMapper().readTree(header);
        List<String> keys = new ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("__metadata__ first, then tensors sorted by name").containsExactly("__metadata__",
                "a.f32", "b.f16", "c.bf16", "d.i32", "e.i64", "f.u8", "g.i8", "h.empty");
        long end = 0;
        for (Iterator<String> it = keys.listIterator(1); it.hasNext(); ) {
            JsonNode offsets = root.get(it.next()).get("data_offsets");
            assertThat(offsets.get(0).asLong()).as("tensors are packed in name order").isEqualTo(end);
            end = offsets.get(1).asLong();
        }
        assertThat(8 + headerLength + end).as("the buffer ends where the last tensor ends")
                .isEqualTo(bytes.length);
    }

    @Test
    void aFileMayHoldNoTensor() {
        Path file = tmp.resolve("empty.safetensors");
        SafetensorsWriter.write(file, Map.of("format", "pt"), List.of());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.tensorNames()).as("no tensors, only metadata").isEmpty();
            assertThat(read.metadata()).as("metadata only").containsEntry("format", "pt");
        }
    }

    @Test
    void writingToAStreamAndToAPathGiveTheSameBytes() throws Exception {
        List<Tensor> tensors = everyDtype();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, Map.of(), tensors);
        Path file = tmp.resolve("path.safetensors");
        SafetensorsWriter.write(file, Map.of(), tensors);
        assertThat(Files.readAllBytes(file)).as("Path convenience writes what the stream writer writes")
                .isEqualTo(out.toByteArray());
        String header = new String(out.toByteArray(), 8, 40, StandardCharsets.UTF_8);
        assertThat(header).as("no __metadata__ key without metadata").doesNotContain("__metadata__");
    }

    @Test
    void tensorsLargerThanOneChunkRoundTrip() {
        int n = SafetensorsFile.CHUNK_BYTES / 2 + 12345; // 2-byte dtype: two chunks and a bit
        float[] values = gaussians(n);
        for (int i = 0; i < n; i++) {
            values[i] = BFloat16.toFloat(BFloat16.fromFloat(values[i]));
        }
        float[] wide = gaussians(SafetensorsFile.CHUNK_BYTES / 4 + 7);
        Path file = tmp.resolve("big.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of(
                Tensor.ofFloats("big.bf16", SafetensorsDtype.BF16, List.of((long) n), values),
                Tensor.ofFloats("big.f32", SafetensorsDtype.F32, List.of((long) wide.length), wide)));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.readFloats("big.bf16")).as("chunked bf16 read and write agree").isEqualTo(values);
            assertThat(read.readFloats("big.f32")).as("chunked f32 read and write agree").isEqualTo(wide);
        }
    }

    @Test
    void readingOneTensorReadsOnlyTheHeaderAndThatTensor() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        float[] big = gaussians(100_000);
        SafetensorsWriter.write(out, Map.of(), List.of(
                Tensor.ofFloats("big", SafetensorsDtype.F32, List.of(100_000L), big),
                Tensor.ofFloats("small", SafetensorsDtype.F32, List.of(3L), new float[] {1, 2, 3})));
        byte[] bytes = out.toByteArray();
        long headerBytes = 8 + ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        InMemoryByteSource source = new InMemoryByteSource("mem://model.safetensors", bytes);
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            assertThat(file.readFloats("small")).as("the small tensor").containsExactly(1, 2, 3);
            assertThat(source.bytesRead).as("only the header and 12 bytes of data are read, not the 400 kB tensor")
                    .isEqualTo(headerBytes + 12);
            Map<String, Tensor> all = file.readWithPrefix("");
            assertThat(all.keySet()).as("prefix read returns names sorted").containsExactly("big", "small");
            assertThat(all.get("big").floats()).as("big tensor by prefix").isEqualTo(big);
        }
        assertThat(source.closed).as("closing the file closes its source").isTrue();
    }

    @Test
    void writerRejectsCallerMistakes() {
        Tensor a = Tensor.ofInts("a", List.of(1L), new int[] {1});
        assertThatThrownBy(() -> SafetensorsWriter.write(new ByteArrayOutputStream(), Map.of(), List.of(a, a)))
                .as("duplicate names").hasMessage("Cannot write tensor a twice: names must be unique");
        assertThatThrownBy(() -> SafetensorsWriter.write(new ByteArrayOutputStream(), Map.of(),
                List.of(Tensor.ofInts("__metadata__", List.of(1L), new int[] {1}))))
                .as("reserved name").hasMessageContaining("reserved for metadata");
        assertThatThrownBy(() -> Tensor.ofFloats("w", SafetensorsDtype.BF16, List.of(2L, 3L), new float[5]))
                .as("array length must match the shape")
                .hasMessage("Cannot make tensor w: shape [2, 3] has 6 elements but the array holds 5");
        assertThatThrownBy(() -> new Tensor("w", SafetensorsDtype.I64, List.of(2L), new int[2]))
                .as("array type must match the dtype")
                .hasMessage("Cannot make tensor w: dtype I64 needs a long[], got int[]");
        assertThatThrownBy(() -> a.floats()).as("typed getters name the dtype")
                .hasMessage("Cannot read tensor a as float[]: its dtype is I32 (held as int[])");
        assertThat(Arrays.asList(SafetensorsDtype.values())).as("the supported dtypes")
                .extracting(SafetensorsDtype::byteSize).containsExactly(4, 2, 2, 4, 8, 1, 1);
    }
}
