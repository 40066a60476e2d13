package dev.rotcal.model.safetensors;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tensors and string metadata as a safetensors file the Hugging Face loaders accept: tensors sorted
 * by name, their data packed in that order, and the JSON header padded with spaces so the data buffer
 * starts at a multiple of 8. Floating tensors are rounded to their dtype (F16/BF16: to nearest, ties to
 * even). Writes to any {@link OutputStream} (e.g. a Hadoop stream); the caller closes it.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes a safetensors file to {@code out} (not closed). */
    public static void write(OutputStream out, Map<String, String> metadata, Collection<Tensor> tensors) {
        Map<String, Tensor> byName = byName(tensors);
        try {
            out.write(header(metadata, byName));
            ByteBuffer buffer = ByteBuffer.allocate(SafetensorsFile.CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : byName.values()) {
                int n = (int) t.numel();
                int chunkElements = SafetensorsFile.CHUNK_BYTES / t.dtype().byteSize();
                for (int done = 0; done < n; ) {
                    int count = Math.min(chunkElements, n - done);
                    buffer.clear();
                    TensorEncoding.encode(t.values(), done, count, t.dtype(), buffer);
                    out.write(buffer.array(), 0, buffer.position());
                    done += count;
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write safetensors data: " + e, e);
        }
    }

    /** Writes a safetensors file at {@code path}, replacing any existing file. */
    public static void write(Path path, Map<String, String> metadata, Collection<Tensor> tensors) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            write(out, metadata, tensors);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write safetensors file " + path + ": " + e, e);
        }
    }

    /**
     * Writes the tensors of several safetensors files as one file to {@code out} (not closed), copying their bytes
     * without decoding them: the result equals {@link #write(OutputStream, Map, Collection)} of all their tensors
     * (the parts' own metadata is dropped). A task writes its part, the driver joins the parts while holding one
     * chunk of bytes at a time.
     */
    public static void concat(OutputStream out, Map<String, String> metadata, List<SafetensorsFile> parts) {
        Map<String, SafetensorsFile> owner = new TreeMap<>();
        Map<String, TensorInfo> infos = new TreeMap<>();
        for (SafetensorsFile part : parts) {
            for (TensorInfo info : part.header().tensors().values()) {
                checkArgument(owner.put(info.name(), part) == null, "Cannot join safetensors files: tensor %s is in"
                        + " both %s and another part", info.name(), part.location());
                infos.put(info.name(), info);
            }
        }
        try {
            out.write(header(metadata, infos.values().stream()
                    .map(i -> new Entry(i.name(), i.dtype(), i.shape(), i.byteSize())).toList()));
            ByteBuffer buffer = ByteBuffer.allocate(SafetensorsFile.CHUNK_BYTES);
            for (TensorInfo info : infos.values()) {
                owner.get(info.name()).copyBytes(info, out, buffer);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write safetensors data: " + e, e);
        }
    }

    /** One header entry: a tensor's name, dtype, shape and byte size. */
    private record Entry(String name, SafetensorsDtype dtype, List<Long> shape, long bytes) {
    }

    /** The 8-byte length plus the space-padded JSON header for {@code tensors} in name order. */
    static byte[] header(Map<String, String> metadata, Map<String, Tensor> byName) {
        return header(metadata, byName.values().stream()
                .map(t -> new Entry(t.name(), t.dtype(), t.shape(), Math.multiplyExact(t.numel(), t.dtype().byteSize())))
                .toList());
    }

    private static byte[] header(Map<String, String> metadata, List<Entry> entries) {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Entry t : entries) {
            long end = Math.addExact(offset, t.bytes());
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            t.shape().forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = SafetensorsHeader.JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("[BUG] cannot serialize a safetensors header: " + e, e);
        }
        int padded = Math.addExact(json.length, (8 - json.length % 8) % 8);
        ByteBuffer header = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(padded).put(json);
        byte[] bytes = header.array();
        Arrays.fill(bytes, 8 + json.length, bytes.length, (byte) ' ');
        return bytes;
    }

    private static Map<String, Tensor> byName(Collection<Tensor> tensors) {
        Map<String, Tensor> byName = new TreeMap<>();
        for (Tensor t : tensors) {
            checkArgument(!t.name().equals(SafetensorsHeader.METADATA_KEY),
                    "Cannot write a tensor named %s: the name is reserved for metadata", t.name());
            checkArgument(byName.put(t.name(), t) == null, "Cannot write tensor %s twice: names must be unique",
                    t.name());
        }
        return byName;
    }
}
