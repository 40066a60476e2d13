package dev.rotcal.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.artifact.LocalStorage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTokenSourceTest {
    @TempDir
    Path tmp;

    private TokenCorpus read(byte[] bytes) throws IOException {
        Path file = tmp.resolve("tokens.npy");
        Files.write(file, bytes);
        return new NpyTokenSource().read(InputFile.local(file));
    }

    private static byte[] int32(long[] shape, int[] ids) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.writeInt32(out, shape, ids);
        return out.toByteArray();
    }

    /** A header with any descr/order/shape followed by raw little-endian int32 data. */
    private static byte[] withHeader(String descr, boolean fortran, long[] shape, int[] ids) {
        byte[] header = new NpyHeader(descr, fortran, shape).toBytes();
        ByteBuffer b = ByteBuffer.allocate(header.length + 4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        Arrays.stream(ids).forEach(b::putInt);
        return b.array();
    }

    @Test
    void int32VectorRoundTrips() throws IOException {
        int[] ids = {1, 415, 9, 0, 31999, 7};
        byte[] bytes = int32(new long[] {ids.length}, ids);
        assertThat((8 + 2 + ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort()) % 64)
                .as("data starts at a multiple of 64, as numpy writes it").isZero();
        TokenCorpus corpus = read(bytes);
        assertThat(corpus.ids()).as("ids back").containsExactly(ids);
        assertThat(corpus.rowLength()).as("a 1-D array has no rows").isZero();
        Path file = tmp.resolve("tokens.npy");
        assertThat(new NpyTokenSource().read(InputFile.of(new LocalStorage(), file.toUri().toString())).ids())
                .as("the same file through the Storage interface the jobs back with Hadoop").containsExactly(ids);
    }

    @Test
    void int64MatrixRoundTripsWithItsRowLength() throws IOException {
        long[] ids = new long[3 * 5];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 100 + i;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.writeInt64(out, new long[] {3, 5}, ids);
        TokenCorpus corpus = read(out.toByteArray());
        assertThat(corpus.ids()).as("C order: row after row").containsExactly(Arrays.stream(ids).mapToInt(x -> (int) x)
                .toArray());
        assertThat(corpus.rowLength()).as("seq_len of [n_seq, seq_len]").isEqualTo(5);
    }

    @Test
    void readsBigEndianAndNumpyStyleHeaders() throws IOException {
        // what numpy 1.x writes for np.array([[3, 4]], dtype='>i4'): version 1.0, descr '>i4'
        String dict = "{'descr': '>i4', 'fortran_order': False, 'shape': (1, 2), }";
        String padded = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + padded.length() + 8);
        b.put(NpyHeader.MAGIC).put((byte) 1).put((byte) 0);
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) padded.length());
        b.put(padded.getBytes(StandardCharsets.ISO_8859_1));
        b.order(ByteOrder.BIG_ENDIAN).putInt(3).putInt(4);
        assertThat(read(b.array()).ids()).as("big-endian int32").containsExactly(3, 4);
    }

    @Test
    void malformedFilesGiveOneLineErrors() throws IOException {
        int[] ids = {1, 2, 3, 4, 5, 6};
        byte[] good = int32(new long[] {2, 3}, ids);
        expectError(withHeader("<i4", true, new long[] {2, 3}, ids), "Fortran (column-major) order");
        expectError(withHeader("<f4", false, new long[] {6}, ids), "dtype '<f4' is not supported");
        expectError(withHeader("<u2", false, new long[] {6}, ids), "dtype '<u2' is not supported");
        expectError(withHeader("<i4", false, new long[] {1, 2, 3}, ids), "shape [1, 2, 3] has 3 dimensions");
        expectError(Arrays.copyOf(good, good.length - 3), "the file ends inside the data");
        expectError(Arrays.copyOf(good, good.length + 4), "bytes after the 6 ids");
        expectError(Arrays.copyOf(good, 40), "the file ends inside its");
        expectError(Arrays.copyOf(good, 5), "shorter than the 10-byte .npy preamble");
        byte[] notNpy = good.clone();
        notNpy[1] = 'X';
        expectError(notNpy, "does not start with the .npy magic");
        expectError(withHeader("<i4", false, new long[] {1L << 40, 1L << 40}, ids), "more elements than a long");
        expectError(withHeader("<i4", false, new long[] {1L << 20, 1L << 20}, ids), "exceed one Java array");
    }

    private void expectError(byte[] bytes, String message) {
        assertThatThrownBy(() -> read(bytes)).as("rejects: %s", message).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot read").hasMessageContaining(message)
                .hasMessageContaining(tmp.resolve("tokens.npy").toString())
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
    }
}
