package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LLaMA-3.1-70B's embedding, 128,256 × 8,192 BF16 = 2,101,346,304 bytes: written by the streaming shard writer
 * and read back by rows through rotcal's Checkpoint; and the same rows placed beyond 4 GiB in a (sparse) file,
 * where every offset overflows an int, read back exactly.
 */
class ShapedLargeTensorTest {
    private static final Logger LOG = LoggerFactory.getLogger(ShapedLargeTensorTest.class);
    private static final int[] TOKENS = {0, 198, 65535, 65536, 128000, 128255, 198};

    @TempDir
    Path tmp;

    /** Writes 2.1 GB to the temporary folder (≈ 5..10 s). */
    @Test
    void the70bEmbeddingIsWrittenAndItsRowsReadBack() throws Exception {
        ShapedWeights weights = weights();
        TensorSource embedding = weights.embedding();
        long start = System.nanoTime();
        List<ShardedCheckpointWriter.Shard> shards = ShardedCheckpointWriter.write(tmp, List.of(embedding),
                ShapedModelSpec.DEFAULT_MAX_SHARD_BYTES);
        LOG.info("wrote {} ({} bytes) in {} s", shards.get(0).file(), Files.size(tmp.resolve(shards.get(0).file())),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        try (Checkpoint checkpoint = Checkpoint.open(tmp)) {
            TensorInfo info = checkpoint.info(embedding.name());
            assertThat(info.shape()).as("the real shape").containsExactly(128256L, 8192L);
            assertThat(info.byteSize()).as("2.1 GB").isEqualTo(2_101_346_304L);
            assertThat(checkpoint.readRows(embedding.name(), TOKENS)).as("rows of tokens across the whole table")
                    .isEqualTo(weights.embeddingRows(TOKENS));
        }
    }

    /** A 4 GiB tensor first, then the embedding, of which only the rows read are written: no disk used. */
    @Test
    void rowsBeyond4GibAreReadExactly() throws Exception {
        ShapedWeights weights = weights();
        TensorSource embedding = weights.embedding();
        TensorSource before = new TensorSource("a.before", List.of(1L << 16, 1L << 15), (first, count, out) -> {
            throw new IllegalStateException("never made");
        });
        byte[] header = ShardedCheckpointWriter.header(List.of(before, embedding));
        long embeddingStart = header.length + before.bytes();
        int rowBytes = 2 * embedding.cols();
        Path file = tmp.resolve(Checkpoint.SINGLE_FILE);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            out.write(ByteBuffer.wrap(header), 0);
            out.write(ByteBuffer.wrap(new byte[1]), embeddingStart + embedding.bytes() - 1); // the file's length
            short[] row = new short[embedding.cols()];
            for (int token : TOKENS) {
                embedding.filler().fill(token, 1, row);
                ByteBuffer bytes = ByteBuffer.allocate(rowBytes).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asShortBuffer().put(row);
                out.write(bytes, embeddingStart + (long) token * rowBytes);
            }
        }
        assertThat(Files.size(file)).as("file size").isEqualTo(embeddingStart + embedding.bytes())
                .isGreaterThan(6_000_000_000L);
        try (Checkpoint checkpoint = Checkpoint.open(tmp)) {
            assertThat(checkpoint.info(embedding.name()).begin()).as("the embedding's data starts at 4 GiB")
                    .isEqualTo(1L << 32);
            assertThat(checkpoint.readRows(embedding.name(), TOKENS)).as("rows at offsets past 4 GiB")
                    .isEqualTo(weights.embeddingRows(TOKENS));
        }
    }

    private static ShapedWeights weights() {
        return new ShapedWeights(ShapedMechanism.of(ShapedModelSpec.of(ModelShape.LLAMA3_70B, 1)));
    }
}
