package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.model.safetensors.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes BF16 {@link TensorSource}s as a sharded Hugging Face checkpoint without holding any tensor:
 * model-0000k-of-0000N.safetensors shards, filled greedily in model order (a new shard starts before a tensor
 * that would take the current one past the limit; a tensor is never split), each with its tensors sorted by
 * name and packed in that order behind a space-padded JSON header (the data starts at a multiple of 8), and
 * model.safetensors.index.json ({"metadata": {"total_size": data bytes}, "weight_map": {name: shard}}), as
 * transformers' save_pretrained writes them. Data goes out in chunks of 4 MiB made on demand; each shard is
 * written to "name.partial" and renamed when complete.
 */
final class ShardedCheckpointWriter {
    /** BF16 elements per chunk: 4 MiB of data. */
    static final int CHUNK_ELEMENTS = 1 << 21;
    private static final int BUFFERS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShardedCheckpointWriter() {
    }

    /** One shard: its file name and its tensors, sorted by name. */
    record Shard(String file, List<TensorSource> tensors) {
        long dataBytes() {
            return tensors.stream().mapToLong(TensorSource::bytes).sum();
        }
    }

    /** Greedy split in model order, then the file names (which need the count). */
    static List<Shard> plan(List<TensorSource> modelOrder, long maxShardBytes) {
        List<List<TensorSource>> groups = new ArrayList<>();
        List<TensorSource> current = new ArrayList<>();
        long bytes = 0;
        for (TensorSource t : modelOrder) {
            checkArgument(t.cols() <= CHUNK_ELEMENTS, "Cannot write tensor %s: rows of %d values exceed a chunk",
                    t.name(), t.cols());
            if (!current.isEmpty() && bytes + t.bytes() > maxShardBytes) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(t);
            bytes += t.bytes();
        }
        groups.add(current);
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            List<TensorSource> sorted = new ArrayList<>(groups.get(i));
            sorted.sort(Comparator.comparing(TensorSource::name));
            shards.add(new Shard(shardName(i + 1, groups.size()), sorted));
        }
        return shards;
    }

    static String shardName(int k, int n) {
        return String.format("model-%05d-of-%05d.safetensors", k, n);
    }

    /**
     * Writes the shards and the index into {@code dir}; returns the shard plan. One background thread makes the
     * chunks (three 4 MiB buffers in rotation) while this thread writes them, so making and writing overlap;
     * the chunks and their order do not depend on the threads.
     */
    static List<Shard> write(Path dir, List<TensorSource> modelOrder, long maxShardBytes) {
        List<Shard> shards = plan(modelOrder, maxShardBytes);
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
        BlockingQueue<ByteBuffer> filled = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(ByteBuffer.allocateDirect(2 * CHUNK_ELEMENTS).order(ByteOrder.LITTLE_ENDIAN));
        }
        ExecutorService maker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "shaped-model-chunks");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> making = maker.submit(() -> {
                makeChunks(shards, free, filled);
                return null;
            });
            for (Shard shard : shards) {
                writeShard(dir, shard, filled, free, making);
            }
            making.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing the model to " + dir, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            maker.shutdownNow();
        }
        DemoJson.write(dir.resolve(Checkpoint.INDEX_FILE), index(shards));
        return shards;
    }

    /** Every chunk of every shard's tensors, in file order, into buffers taken from {@code free}. */
    private static void makeChunks(List<Shard> shards, BlockingQueue<ByteBuffer> free,
                                   BlockingQueue<ByteBuffer> filled) throws InterruptedException {
        short[] values = new short[CHUNK_ELEMENTS];
        for (Shard shard : shards) {
            for (TensorSource t : shard.tensors()) {
                int cols = t.cols();
                int rowsPerChunk = rowsPerChunk(cols);
                for (long row = 0; row < t.rows(); row += rowsPerChunk) {
                    int count = (int) Math.min(rowsPerChunk, t.rows() - row);
                    t.filler().fill(row, count, values);
                    ByteBuffer buffer = free.take();
                    buffer.clear();
                    buffer.asShortBuffer().put(values, 0, count * cols);
                    buffer.limit(2 * count * cols);
                    filled.put(buffer);
                }
            }
        }
    }

    /** Writes one shard from the made chunks, to "name.partial", then renames it. */
    private static void writeShard(Path dir, Shard shard, BlockingQueue<ByteBuffer> filled,
                                   BlockingQueue<ByteBuffer> free, Future<?> making)
            throws InterruptedException, ExecutionException {
        Path file = dir.resolve(shard.file());
        Path partial = dir.resolve(shard.file() + ".partial");
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, ByteBuffer.wrap(header(shard.tensors())));
            for (TensorSource t : shard.tensors()) {
                for (long row = 0; row < t.rows(); row += rowsPerChunk(t.cols())) {
                    ByteBuffer buffer;
                    while ((buffer = filled.poll(100, TimeUnit.MILLISECONDS)) == null) {
                        if (making.isDone()) {
                            making.get();  // throws what the maker threw
                            throw new IllegalStateException("[BUG] the chunk maker stopped early");
                        }
                    }
                    writeFully(out, buffer);
                    free.put(buffer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + partial + ": " + e, e);
        }
        try {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot rename " + partial + " to " + file + ": " + e, e);
        }
    }

    /** Rows per chunk of a tensor with {@code cols} columns (at least one). */
    private static int rowsPerChunk(int cols) {
        return Math.max(1, CHUNK_ELEMENTS / cols);
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** The 8-byte length plus the JSON header padded with spaces to a multiple of 8. */
    static byte[] header(List<TensorSource> sortedByName) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (TensorSource t : sortedByName) {
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", "BF16");
            t.shape().forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("[BUG] cannot serialize a safetensors header: " + e, e);
        }
        int padded = json.length + (8 - json.length % 8) % 8;
        ByteBuffer header = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(padded).put(json);
        byte[] bytes = header.array();
        Arrays.fill(bytes, 8 + json.length, bytes.length, (byte) ' ');
        return bytes;
    }

    /** model.safetensors.index.json: total_size (tensor data bytes) and the sorted weight_map. */
    static ObjectNode index(List<Shard> shards) {
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (Shard s : shards) {
            for (TensorSource t : s.tensors()) {
                weightMap.put(t.name(), s.file());
            }
            total += s.dataBytes();
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.putObject("metadata").put("total_size", total);
        ObjectNode map = root.putObject("weight_map");
        new LinkedHashMap<>(weightMap).forEach(map::put);
        return root;
    }
}
