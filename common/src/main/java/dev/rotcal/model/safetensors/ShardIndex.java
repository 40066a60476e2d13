package dev.rotcal.model.safetensors;

import static dev.rotcal.model.safetensors.CheckpointFormatException.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}:
 * {@code {"metadata": {...}, "weight_map": {tensor name: shard file name}}}.
 *
 * @param metadata   the "metadata" object's values as text (e.g. total_size); empty when absent
 * @param weightMap  tensor name → shard file name relative to the checkpoint directory, sorted by tensor
 */
public record ShardIndex(String location, Map<String, String> metadata, SortedMap<String, String> weightMap) {
    /** Largest index.json accepted (real ones are well under 1 MB even for 400B-parameter models). */
    public static final long MAX_BYTES = 64L << 20;

    public ShardIndex {
        metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
        weightMap = Collections.unmodifiableSortedMap(new TreeMap<>(weightMap));
    }

    /** The distinct shard file names, sorted. */
    public Set<String> shardFiles() {
        return Collections.unmodifiableSet(new TreeSet<>(weightMap.values()));
    }

    /** Parses and validates the index.json read from {@code location}. */
    public static ShardIndex parse(String location, byte[] json) {
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(String.format("Cannot read shard index %s: not valid JSON: %s",
                    location, SafetensorsHeader.oneLine(e)), e);
        } catch (IOException e) {
            throw new CheckpointFormatException("Cannot read shard index " + location + ": " + e, e);
        }
        check(root != null && root.isObject(), "Cannot read shard index %s: it is a JSON %s, expected an object"
                + " with a weight_map", location, root == null ? "nothing" : root.getNodeType());
        Map<String, String> metadata = new TreeMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && !meta.isNull()) {
            check(meta.isObject(), "Cannot read shard index %s: metadata is a JSON %s, expected an object",
                    location, meta.getNodeType());
            meta.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        }
        JsonNode map = root.get("weight_map");
        check(map != null && map.isObject() && map.size() > 0, "Cannot read shard index %s: weight_map is %s,"
                + " expected a non-empty object of tensor name -> shard file", location,
                map == null ? "missing" : map.isObject() ? "empty" : "a JSON " + map.getNodeType());
        SortedMap<String, String> weightMap = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode file = e.getValue();
            check(file.isTextual() && isPlainFileName(file.textValue()), "Cannot read shard index %s: weight_map"
                    + " maps tensor %s to %s, expected the file name of a shard in the same directory", location,
                    e.getKey(), file);
            weightMap.put(e.getKey(), file.textValue());
        }
        return new ShardIndex(location, metadata, weightMap);
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.equals(".")
                && !name.equals("..");
    }
}
