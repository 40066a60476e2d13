package dev.rotcal.model.safetensors;

import static dev.rotcal.model.safetensors.CheckpointFormatException.check;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.io.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parsed, validated header of a safetensors file: an 8-byte little-endian length N, N bytes of UTF-8
 * JSON ({@code {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}}), then the data
 * buffer, which starts at {@code dataStart = 8 + N}.
 *
 * <p>Everything is checked before any tensor-sized allocation, with one-line messages naming the file: the
 * header length against the file size and a 100 MB cap (as the Hugging Face reader), the JSON, every field,
 * each tensor's byte count against its shape and dtype, and that the tensors tile the data buffer exactly
 * (no overlap, no gap, nothing out of range), as the Hugging Face reader requires.
 *
 * @param tensors by name, sorted
 */
public record SafetensorsHeader(String location, long dataStart, long dataSize, Map<String, String> metadata,
                                Map<String, TensorInfo> tensors) {

    /** The largest header accepted, as in the Hugging Face implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    /** Strict as the Hugging Face reader: no duplicate keys, nothing but whitespace after the JSON value. */
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public SafetensorsHeader {
        metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
        tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
    }

    /** Reads and validates the header of {@code source} (a few small reads; the data is not touched). */
    public static SafetensorsHeader read(ByteSource source) throws IOException {
        String where = source.location();
        long fileSize = source.size();
        check(fileSize >= 8, "Cannot read safetensors file %s: file is %d bytes, too short for the 8-byte header"
                + " length (empty or truncated file?)", where, fileSize);
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.readFully(0, lengthBytes);
        long headerLength = lengthBytes.getLong(0); // unsigned on disk: negative here means ≥ 2^63
        check(headerLength >= 0 && headerLength <= MAX_HEADER_BYTES, "Cannot read safetensors file %s: header"
                        + " length %s exceeds the %d-byte limit (not a safetensors file, or corrupt)", where,
                Long.toUnsignedString(headerLength), MAX_HEADER_BYTES);
        check(headerLength <= fileSize - 8, "Cannot read safetensors file %s: header length %d exceeds file size %d"
                + " (truncated file?)", where, headerLength, fileSize);
        byte[] json = new byte[(int) headerLength];
        source.readFully(8, ByteBuffer.wrap(json));
        return parse(where, fileSize, json);
    }

    /** Parses and validates the header JSON of a file of {@code fileSize} bytes. */
    static SafetensorsHeader parse(String where, long fileSize, byte[] json) {
        long dataStart = 8L + json.length;
        long dataSize = fileSize - dataStart;
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(String.format("Cannot read safetensors file %s: header is not"
                    + " valid JSON: %s (corrupt file?)", where, oneLine(e)), e);
        } catch (IOException e) {
            throw new CheckpointFormatException(String.format("Cannot read safetensors file %s: header is not"
                    + " valid JSON: %s", where, e.getMessage()), e);
        }
        check(root != null && root.isObject(), "Cannot read safetensors file %s: header is %s, expected an object"
                + " of tensor entries", where, root == null || root.isMissingNode() ? "empty"
                : "a JSON " + root.getNodeType());
        Map<String, String> metadata = new TreeMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(where, field.getValue());
            } else {
                tensors.put(field.getKey(), parseEntry(where, field.getKey(), field.getValue(), dataSize));
            }
        }
        checkTiling(where, tensors.values(), dataSize);
        return new SafetensorsHeader(where, dataStart, dataSize, metadata, tensors);
    }

    private static Map<String, String> parseMetadata(String where, JsonNode node) {
        check(node.isObject(), "Cannot read safetensors file %s: __metadata__ is a JSON %s, expected an object"
                + " of strings", where, node.getNodeType());
        Map<String, String> metadata = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            check(e.getValue().isTextual(), "Cannot read safetensors file %s: __metadata__ key %s is a JSON %s,"
                    + " safetensors metadata values must be strings", where, e.getKey(), e.getValue().getNodeType());
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo parseEntry(String where, String name, JsonNode entry, long dataSize) {
        check(!name.isEmpty(), "Cannot read safetensors file %s: a tensor has an empty name (corrupt file?)", where);
        String prefix = "Cannot read safetensors file " + where + ": tensor " + name;
        check(entry.isObject(), "%s is a JSON %s, expected an object with dtype, shape and data_offsets", prefix,
                entry.getNodeType());
        JsonNode dtypeNode = entry.get("dtype");
        check(dtypeNode != null && dtypeNode.isTextual(), "%s has %s dtype, expected a string such as \"BF16\"",
                prefix, dtypeNode == null ? "no" : "a " + dtypeNode.getNodeType() + " as");
        String dtypeName = dtypeNode.textValue();
        check(!SafetensorsDtype.isKnownUnsupported(dtypeName), "%s has dtype %s, which rotcal does not read"
                + " (supported: %s)", prefix, dtypeName, SafetensorsDtype.supportedNames());
        SafetensorsDtype dtype = SafetensorsDtype.fromName(dtypeName).orElseThrow(() -> new CheckpointFormatException(
                String.format("%s has unknown dtype %s (supported: %s)", prefix, dtypeName,
                        SafetensorsDtype.supportedNames())));
        List<Long> shape = nonNegativeLongs(entry.get("shape"), -1);
        check(shape != null, "%s has shape %s, expected an array of non-negative integers", prefix,
                entry.get("shape"));
        List<Long> offsets = nonNegativeLongs(entry.get("data_offsets"), 2);
        check(offsets != null && offsets.get(0) <= offsets.get(1), "%s has data_offsets %s, expected [begin, end]"
                + " with 0 <= begin <= end", prefix, entry.get("data_offsets"));
        long begin = offsets.get(0);
        long end = offsets.get(1);
        check(end <= dataSize, "%s has data_offsets [%d, %d] beyond the %d-byte data buffer (truncated file?)",
                prefix, begin, end, dataSize);
        long bytes;
        try {
            bytes = Math.multiplyExact(TensorInfo.numel(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(String.format("%s has shape %s, whose size overflows 64 bits",
                    prefix, shape), e);
        }
        check(bytes == end - begin, "%s has shape %s of %s (%d bytes) but data_offsets [%d, %d] span %d bytes",
                prefix, shape, dtype, bytes, begin, end, end - begin);
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** The array's values when it is an array of non-negative integers (of length {@code n} unless n < 0). */
    private static List<Long> nonNegativeLongs(JsonNode node, int n) {
        if (node == null || !node.isArray() || (n >= 0 && node.size() != n)) {
            return null;
        }
        List<Long> values = new ArrayList<>(node.size());
        for (JsonNode v : node) {
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                return null;
            }
            values.add(v.longValue());
        }
        return values;
    }

    /** Rejects overlaps, gaps and an unused tail: the tensors must tile [0, dataSize) as HF requires. */
    private static void checkTiling(String where, Iterable<TensorInfo> tensors, long dataSize) {
        List<TensorInfo> byOffset = new ArrayList<>();
        tensors.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < covered) {
                throw new CheckpointFormatException(String.format("Cannot read safetensors file %s: tensors %s"
                                + " [%d, %d] and %s [%d, %d] overlap (corrupt file?)", where, previous.name(),
                        previous.begin(), previous.end(), t.name(), t.begin(), t.end()));
            }
            check(t.begin() == covered, "Cannot read safetensors file %s: bytes [%d, %d) of the data buffer belong"
                    + " to no tensor (safetensors requires the tensors to tile the buffer; corrupt file?)", where,
                    covered, t.begin());
            covered = t.end();
            previous = t;
        }
        check(covered == dataSize, "Cannot read safetensors file %s: the last %d bytes of the file belong to no"
                + " tensor (data buffer is %d bytes, tensors end at %d; corrupt file?)", where, dataSize - covered,
                dataSize, covered);
    }

    /** A Jackson error as one line: its message without the source excerpt, plus the byte offset. */
    static String oneLine(JsonProcessingException e) {
        String message = e.getOriginalMessage().replaceAll("\\s+", " ").trim();
        return e.getLocation() == null ? message
                : message + " at byte " + e.getLocation().getByteOffset();
    }
}
