package dev.rotcal.model.safetensors;

import static dev.rotcal.model.safetensors.CheckpointFormatException.check;

import dev.rotcal.io.ByteSource;
import dev.rotcal.io.FileByteSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Reads tensors from one safetensors file without loading the file: the header is parsed and validated on
 * open, and each read fetches only the requested tensors' byte ranges, converting them through a small
 * buffer (F16/BF16 widen exactly to float). Not thread-safe; close it to close the source.
 *
 * <p>I/O failures are rethrown as {@link UncheckedIOException} and bad content as
 * {@link CheckpointFormatException}, both naming the file.
 */
public final class SafetensorsFile implements Closeable {
    /** Bytes read per positional read; a multiple of every element size. */
    static final int CHUNK_BYTES = 4 << 20;

    private final ByteSource source;
    private final SafetensorsHeader header;

    private SafetensorsFile(ByteSource source, SafetensorsHeader header) {
        this.source = source;
        this.header = header;
    }

    /** Reads and validates the header of {@code source}; takes ownership of it (closes it on failure too). */
    public static SafetensorsFile open(ByteSource source) {
        try {
            return new SafetensorsFile(source, SafetensorsHeader.read(source));
        } catch (IOException e) {
            closeQuietly(source, e);
            throw new UncheckedIOException(OneLine.of("Cannot read safetensors file " + source.location() + ": " + e),
                    e);
        } catch (RuntimeException e) {
            closeQuietly(source, e);
            throw e;
        }
    }

    /** Opens a local safetensors file. */
    public static SafetensorsFile open(Path path) {
        try {
            return open(FileByteSource.open(path));
        } catch (IOException e) {
            throw new UncheckedIOException(OneLine.of("Cannot open safetensors file " + path + ": " + e), e);
        }
    }

    public String location() {
        return source.location();
    }

    public SafetensorsHeader header() {
        return header;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** All tensor names, sorted. */
    public Set<String> tensorNames() {
        return header.tensors().keySet();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** The header entry of tensor {@code name}; fails naming the tensor and the file when it is absent. */
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        check(info != null, "Cannot find tensor %s in %s: the file has no such tensor (it has %d tensors; wrong"
                + " file or model family?)", name, location(), header.tensors().size());
        return info;
    }

    /** Reads one tensor. */
    public Tensor read(String name) {
        TensorInfo info = info(name);
        return new Tensor(name, info.dtype(), info.shape(), readValues(info));
    }

    /** Reads one F32/F16/BF16 tensor's values as floats, (shape) row-major. */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        check(info.dtype().isFloating(), "Cannot read tensor %s from %s as floats: its dtype is %s", name,
                location(), info.dtype());
        return (float[]) readValues(info);
    }

    /** Reads the named tensors in file order (one pass forward); the result is sorted by name. */
    public Map<String, Tensor> read(Collection<String> names) {
        List<TensorInfo> infos = new ArrayList<>();
        for (String name : names) {
            infos.add(info(name));
        }
        infos.sort(Comparator.comparingLong(TensorInfo::begin));
        Map<String, Tensor> tensors = new TreeMap<>();
        for (TensorInfo info : infos) {
            tensors.put(info.name(), new Tensor(info.name(), info.dtype(), info.shape(), readValues(info)));
        }
        return tensors;
    }

    /** Reads every tensor whose name starts with {@code prefix} (e.g. "model.layers.3."), sorted by name. */
    public Map<String, Tensor> readWithPrefix(String prefix) {
        List<String> names = tensorNames().stream().filter(n -> n.startsWith(prefix)).toList();
        check(!names.isEmpty(), "Cannot read tensors with prefix %s from %s: no tensor name starts with it",
                prefix, location());
        return read(names);
    }

    /**
     * Reads selected rows of a 2-D F32/F16/BF16 tensor (e.g. the embedding rows of a block's token ids)
     * without reading the rest: one positional read per distinct row.
     *
     * @param rowIds (n) row indices, repeats allowed, each in [0, shape[0])
     * @return (n, shape[1]) row-major
     */
    public float[] readRows(String name, int[] rowIds) {
        TensorInfo info = info(name);
        check(info.dtype().isFloating() && info.shape().size() == 2, "Cannot read rows of tensor %s from %s: "
                + "need a 2-D float tensor, it is %s %s", name, location(), info.dtype(), info.shape());
        long nRows = info.shape().get(0);
        int cols = Math.toIntExact(info.shape().get(1));
        int elementSize = info.dtype().byteSize();
        int rowBytes = Math.multiplyExact(cols, elementSize);
        float[] out = new float[Math.multiplyExact(rowIds.length, cols)];    // (n, cols)
        float[] row = new float[cols];
        ByteBuffer buffer = ByteBuffer.allocate(rowBytes);
        int[] order = IntStream.range(0, rowIds.length).boxed()
                .sorted(Comparator.comparingInt(i -> rowIds[i])).mapToInt(Integer::intValue).toArray();
        int loaded = -1;
        try {
            for (int i : order) {
                int id = rowIds[i];
                check(id >= 0 && id < nRows, "Cannot read row %d of tensor %s from %s: it has %d rows (token id"
                        + " beyond the vocabulary?)", id, name, location(), nRows);
                if (id != loaded) {   // rows come sorted, so each distinct row is read once
                    buffer.clear();
                    source.readFully(header.dataStart() + info.begin() + (long) id * rowBytes, buffer);
                    buffer.flip();
                    TensorEncoding.decode(buffer, info.dtype(), row, 0, cols);
                    loaded = id;
                }
                System.arraycopy(row, 0, out, i * cols, cols);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(OneLine.of(String.format("Cannot read rows of tensor %s from %s: %s",
                    name, location(), e)), e);
        }
        return out;
    }

    /**
     * Reads the contiguous rows {@code [firstRow, firstRow + count)} of a 2-D F32/F16/BF16 tensor (a piece of
     * an activation dump) with one positional read of the whole range.
     *
     * @return (count, shape[1]) row-major
     */
    public float[] readRowRange(String name, long firstRow, int count) {
        TensorInfo info = info(name);
        check(info.dtype().isFloating() && info.shape().size() == 2, "Cannot read rows of tensor %s from %s: "
                + "need a 2-D float tensor, it is %s %s", name, location(), info.dtype(), info.shape());
        int cols = Math.toIntExact(info.shape().get(1));
        float[] out = new float[Math.multiplyExact(count, cols)]; // (count, cols)
        readRange(info, firstRow, count, Math.multiplyExact(cols, info.dtype().byteSize()), out, cols);
        return out;
    }

    /**
     * Reads the elements {@code [first, first + count)} of a 1-D I32/I64 tensor (token ids) with one positional
     * read; I64 values must fit an int.
     *
     * @return (count)
     */
    public int[] readIntRange(String name, long first, int count) {
        TensorInfo info = info(name);
        SafetensorsDtype dtype = info.dtype();
        check((dtype == SafetensorsDtype.I32 || dtype == SafetensorsDtype.I64) && info.shape().size() == 1,
                "Cannot read ids of tensor %s from %s: need a 1-D I32 or I64 tensor, it is %s %s", name, location(),
                dtype, info.shape());
        if (dtype == SafetensorsDtype.I32) {
            int[] out = new int[count];
            readRange(info, first, count, dtype.byteSize(), out, 1);
            return out;
        }
        long[] wide = new long[count];
        readRange(info, first, count, dtype.byteSize(), wide, 1);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            check(wide[i] == (int) wide[i], "Cannot read ids of tensor %s from %s: element %d is %d, beyond an"
                    + " int32 token id", name, location(), first + i, wide[i]);
            out[i] = (int) wide[i];
        }
        return out;
    }

    /** Copies tensor {@code info}'s stored bytes to {@code out}, through {@code buffer} (for {@link SafetensorsWriter#concat}). */
    void copyBytes(TensorInfo info, OutputStream out, ByteBuffer buffer) throws IOException {
        long position = header.dataStart() + info.begin();
        for (long left = info.byteSize(); left > 0; ) {
            int count = (int) Math.min(buffer.capacity(), left);
            buffer.clear().limit(count);
            source.readFully(position, buffer);
            out.write(buffer.array(), 0, count);
            position += count;
            left -= count;
        }
    }

    /** One positional read of {@code count} units of {@code unitBytes} from unit {@code first} on, decoded. */
    private void readRange(TensorInfo info, long first, int count, int unitBytes, Object out, int unitElements) {
        long units = info.shape().get(0);
        check(first >= 0 && count >= 0 && first + count <= units, "Cannot read rows [%d, %d) of tensor %s from"
                + " %s: it has %d rows", first, first + count, info.name(), location(), units);
        ByteBuffer buffer = ByteBuffer.allocate(Math.multiplyExact(count, unitBytes));
        try {
            source.readFully(header.dataStart() + info.begin() + first * unitBytes, buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(String.format("Cannot read rows [%d, %d) of tensor %s from %s: %s", first,
                    first + count, info.name(), location(), e), e);
        }
        buffer.flip();
        TensorEncoding.decode(buffer, info.dtype(), out, 0, Math.multiplyExact(count, unitElements));
    }

    private Object readValues(TensorInfo info) {
        long numel = info.numel();
        check(numel <= Integer.MAX_VALUE - 8, "Cannot read tensor %s from %s: its %d elements exceed a Java"
                + " array (shape %s)", info.name(), location(), numel, info.shape());
        int n = (int) numel;
        int elementSize = info.dtype().byteSize();
        Object values = TensorEncoding.newArray(info.dtype(), n);
        int chunkElements = CHUNK_BYTES / elementSize;
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, info.byteSize()));
        long position = header.dataStart() + info.begin();
        try {
            for (int done = 0; done < n; ) {
                int count = Math.min(chunkElements, n - done);
                buffer.clear().limit(count * elementSize);
                source.readFully(position, buffer);
                buffer.flip();
                TensorEncoding.decode(buffer, info.dtype(), values, done, count);
                done += count;
                position += (long) count * elementSize;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(OneLine.of(String.format("Cannot read tensor %s from %s: %s",
                    info.name(), location(), e)), e);
        }
        return values;
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (IOException e) {
            throw new UncheckedIOException(OneLine.of("Cannot close " + location() + ": " + e), e);
        }
    }

    private static void closeQuietly(ByteSource source, Exception primary) {
        try {
            source.close();
        } catch (IOException | RuntimeException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
