package dev.rotcal.model.safetensors;

import static dev.rotcal.model.safetensors.CheckpointFormatException.check;

import dev.rotcal.io.ByteSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The safetensors weights of a Hugging Face checkpoint directory: either one {@code model.safetensors}
 * (preferred when present, as transformers does) or shards listed by {@code model.safetensors.index.json}.
 * Tensors are read by name or by prefix (one decoder layer: "model.layers.3."), opening only the shards
 * that hold them; shard headers are read once and the shards kept open until {@link #close()}.
 * Not thread-safe.
 */
public final class Checkpoint implements Closeable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final CheckpointDirectory dir;
    private final boolean sharded;
    private final SortedMap<String, String> weightMap; // tensor name → shard file name
    private final Map<String, SafetensorsFile> openShards = new TreeMap<>();

    private Checkpoint(CheckpointDirectory dir, boolean sharded, SortedMap<String, String> weightMap) {
        this.dir = dir;
        this.sharded = sharded;
        this.weightMap = Collections.unmodifiableSortedMap(weightMap);
    }

    /**
     * Opens the checkpoint in {@code dir}: reads the single file's header, or the index (checking that every
     * shard it names exists).
     */
    public static Checkpoint open(CheckpointDirectory dir) {
        try {
            if (dir.exists(SINGLE_FILE)) {
                SafetensorsFile file = SafetensorsFile.open(dir.open(SINGLE_FILE));
                SortedMap<String, String> map = new TreeMap<>();
                file.tensorNames().forEach(name -> map.put(name, SINGLE_FILE));
                Checkpoint checkpoint = new Checkpoint(dir, false, map);
                checkpoint.openShards.put(SINGLE_FILE, file);
                return checkpoint;
            }
            check(dir.exists(INDEX_FILE), "Cannot open checkpoint %s: it has neither %s nor %s (rotcal reads"
                    + " Hugging Face safetensors checkpoints; convert .bin/.pt weights first)", dir.location(),
                    SINGLE_FILE, INDEX_FILE);
            ShardIndex index;
            try (ByteSource source = dir.open(INDEX_FILE)) {
                index = ShardIndex.parse(source.location(), source.readAll(ShardIndex.MAX_BYTES));
            }
            for (String shard : index.shardFiles()) {
                if (!dir.exists(shard)) {
                    List<String> tensors = index.weightMap().entrySet().stream()
                            .filter(e -> e.getValue().equals(shard)).map(Map.Entry::getKey).toList();
                    throw new CheckpointFormatException(String.format("Cannot open checkpoint %s: %s maps %d"
                                    + " tensors (e.g. %s) to shard %s, which does not exist (incomplete download?)",
                            dir.location(), INDEX_FILE, tensors.size(), tensors.get(0), shard));
                }
            }
            return new Checkpoint(dir, true, new TreeMap<>(index.weightMap()));
        } catch (IOException e) {
            throw new UncheckedIOException(OneLine.of("Cannot open checkpoint " + dir.location() + ": " + e), e);
        }
    }

    /** Opens the checkpoint in a local folder. */
    public static Checkpoint open(Path dir) {
        return open(new LocalCheckpointDirectory(dir));
    }

    public String location() {
        return dir.location();
    }

    public CheckpointDirectory directory() {
        return dir;
    }

    /** True when the weights come from model.safetensors.index.json and its shards. */
    public boolean isSharded() {
        return sharded;
    }

    /** All tensor names, sorted. */
    public Set<String> tensorNames() {
        return weightMap.keySet();
    }

    public boolean contains(String tensor) {
        return weightMap.containsKey(tensor);
    }

    /** The shard files, sorted ({@code model.safetensors} alone when not sharded). */
    public Set<String> shardFiles() {
        return Collections.unmodifiableSet(new TreeSet<>(weightMap.values()));
    }

    /** The file holding {@code tensor}. */
    public String shardOf(String tensor) {
        String shard = weightMap.get(tensor);
        check(shard != null, "Cannot find tensor %s in checkpoint %s: %s has no such tensor (it has %d tensors;"
                + " wrong checkpoint or model family?)", tensor, location(), sharded ? INDEX_FILE : SINGLE_FILE,
                weightMap.size());
        return shard;
    }

    /** The header entry of {@code tensor} (opens its shard). */
    public TensorInfo info(String tensor) {
        return infoIn(shard(shardOf(tensor)), tensor);
    }

    /** The header entries of all tensors, sorted by name (opens every shard's header). */
    public Map<String, TensorInfo> infos() {
        Map<String, TensorInfo> infos = new TreeMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            infos.put(e.getKey(), infoIn(shard(e.getValue()), e.getKey()));
        }
        return infos;
    }

    /** Reads one tensor. */
    public Tensor read(String tensor) {
        SafetensorsFile shard = shard(shardOf(tensor));
        infoIn(shard, tensor);
        return shard.read(tensor);
    }

    /** Reads one F32/F16/BF16 tensor's values as floats, (shape) row-major. */
    public float[] readFloats(String tensor) {
        SafetensorsFile shard = shard(shardOf(tensor));
        infoIn(shard, tensor);
        return shard.readFloats(tensor);
    }

    /** Reads selected rows of a 2-D float tensor, (rowIds.length, cols) row-major; see {@link SafetensorsFile#readRows}. */
    public float[] readRows(String tensor, int[] rowIds) {
        SafetensorsFile shard = shard(shardOf(tensor));
        infoIn(shard, tensor);
        return shard.readRows(tensor, rowIds);
    }

    /** Reads the named tensors, shard by shard; the result is sorted by name. */
    public Map<String, Tensor> read(Collection<String> tensors) {
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        for (String tensor : tensors) {
            byShard.computeIfAbsent(shardOf(tensor), s -> new ArrayList<>()).add(tensor);
        }
        Map<String, Tensor> result = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            SafetensorsFile shard = shard(e.getKey());
            e.getValue().forEach(tensor -> infoIn(shard, tensor));
            result.putAll(shard.read(e.getValue()));
        }
        return result;
    }

    /** Reads every tensor whose name starts with {@code prefix} (one layer: "model.layers.3."), sorted by name. */
    public Map<String, Tensor> readWithPrefix(String prefix) {
        List<String> names = weightMap.keySet().stream().filter(n -> n.startsWith(prefix)).toList();
        check(!names.isEmpty(), "Cannot read tensors with prefix %s from checkpoint %s: no tensor name starts"
                + " with it (it has %d tensors)", prefix, location(), weightMap.size());
        return read(names);
    }

    private SafetensorsFile shard(String file) {
        SafetensorsFile shard = openShards.get(file);
        if (shard == null) {
            try {
                shard = SafetensorsFile.open(dir.open(file));
            } catch (IOException e) {
                throw new UncheckedIOException(OneLine.of("Cannot open " + dir.locationOf(file) + ": " + e), e);
            }
            openShards.put(file, shard);
        }
        return shard;
    }

    /** The tensor's entry in {@code shard}, failing clearly when the index and the shard disagree. */
    private TensorInfo infoIn(SafetensorsFile shard, String tensor) {
        check(shard.contains(tensor), "Cannot read tensor %s from checkpoint %s: %s maps it to %s, which has no"
                + " such tensor (index and shards out of sync?)", tensor, location(), INDEX_FILE, shard.location());
        return shard.info(tensor);
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (SafetensorsFile shard : openShards.values()) {
            try {
                shard.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        openShards.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
