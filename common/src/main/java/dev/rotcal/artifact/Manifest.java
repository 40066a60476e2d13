package dev.rotcal.artifact;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * manifest.json: what a run is, how it was made, and every file with its size and SHA-256.
 *
 * <p>Schema version 1 (snake_case JSON). Compatibility rule: adding a field does not change
 * {@code schema_version} and readers ignore fields they do not know; renaming, removing or changing the meaning
 * of a field increments it, and a reader refuses a manifest newer than it knows.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION} when written by this rotcal
 * @param rotcalVersion the rotcal release that wrote the run
 * @param runId         the run id (the run directory's name when published)
 * @param createdAt     ISO-8601 UTC instant of the commit, e.g. "2026-01-31T12:00:00Z"
 * @param model         the calibrated model
 * @param data          the calibration data
 * @param seeds         every random seed used, by purpose ("r1_init", "sampling", …)
 * @param config        the full effective configuration as a JSON tree, secrets redacted
 * @param summary       headline metrics, free-form (loss before/after, perplexities, …)
 * @param files         every file of the run except manifest.json and _SUCCESS, sorted by path
 */
@JsonPropertyOrder({"schema_version", "rotcal_version", "run_id", "created_at", "model", "data", "seeds", "config",
        "summary", "files"})
public record Manifest(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("rotcal_version") String rotcalVersion,
        @JsonProperty("run_id") String runId,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("model") Model model,
        @JsonProperty("data") Data data,
        @JsonProperty("seeds") Map<String, Long> seeds,
        @JsonProperty("config") JsonNode config,
        @JsonProperty("summary") JsonNode summary,
        @JsonProperty("files") List<ArtifactFile> files) {

    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * The model a run calibrated.
     *
     * @param name        the model name of the artifact layout
     * @param uri         where the checkpoint was read from (credentials removed)
     * @param fingerprint SHA-256 over config.json and the tensor index ({@link Sha256#ofParts})
     */
    public record Model(
            @JsonProperty("name") String name,
            @JsonProperty("uri") String uri,
            @JsonProperty("fingerprint") String fingerprint) {
    }

    /**
     * The calibration data of a run.
     *
     * @param fingerprint SHA-256 identifying the calibration token sequences
     */
    public record Data(@JsonProperty("fingerprint") String fingerprint) {
    }

    public Manifest {
        checkArgument(schemaVersion >= 1, "Cannot build a manifest: schema_version %d is not a version (it starts at 1)",
                schemaVersion);
        checkArgument(runId != null && !runId.isBlank(), "Cannot build a manifest: run_id is empty");
        checkArgument(model != null && data != null,
                "Cannot build manifest of run %s: the model and the calibration data must be described (fingerprints)",
                runId);
        checkArgument(createdAt != null && isInstant(createdAt),
                "Cannot build manifest of run %s: created_at '%s' is not an ISO-8601 instant (e.g. 2026-01-31T12:00:00Z)",
                runId, createdAt);
        seeds = seeds == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(seeds));
        config = config == null ? JsonNodeFactory.instance.objectNode() : config;
        summary = summary == null ? JsonNodeFactory.instance.objectNode() : summary;
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** A manifest of this rotcal's schema, created now, with no files yet (the publisher adds them). */
    public static Manifest draft(String rotcalVersion, String runId, Model model, Data data, Map<String, Long> seeds,
            JsonNode config, JsonNode summary) {
        return new Manifest(SCHEMA_VERSION, rotcalVersion, runId, Instant.now().toString(), model, data, seeds, config,
                summary, List.of());
    }

    /** This manifest with another file list. */
    public Manifest withFiles(List<ArtifactFile> newFiles) {
        return new Manifest(schemaVersion, rotcalVersion, runId, createdAt, model, data, seeds, config, summary, newFiles);
    }

    /** This manifest with another config tree. */
    public Manifest withConfig(JsonNode newConfig) {
        return new Manifest(schemaVersion, rotcalVersion, runId, createdAt, model, data, seeds, newConfig, summary, files);
    }

    /** This manifest stamped with another creation time. */
    public Manifest withCreatedAt(Instant instant) {
        return new Manifest(schemaVersion, rotcalVersion, runId, instant.toString(), model, data, seeds, config, summary,
                files);
    }

    /** The file entry for a relative path, or null. */
    public ArtifactFile file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst().orElse(null);
    }

    /** Pretty-printed UTF-8 JSON. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("[BUG] cannot write manifest of run " + runId + " as JSON", e);
        }
    }

    /** Any value as a JSON tree, for {@link #config} and {@link #summary}. */
    public static JsonNode tree(Object value) {
        return JSON.valueToTree(value);
    }

    /**
     * Reads a manifest.
     *
     * @param source where it came from, for messages
     * @throws IllegalArgumentException when the content is not a manifest this rotcal reads (not JSON, a newer
     *                                  schema, a missing or invalid field)
     * @throws IOException              when the stream cannot be read
     */
    public static Manifest read(InputStream in, String source) throws IOException {
        JsonNode tree;
        try {
            tree = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot read manifest " + source + ": it is not JSON ("
                    + firstLine(e.getOriginalMessage()) + ")", e);
        }
        checkArgument(tree != null && tree.isObject(), "Cannot read manifest %s: it is not a JSON object", source);
        int version = tree.path("schema_version").asInt(-1);
        checkArgument(version >= 1, "Cannot read manifest %s: schema_version is missing or not a number", source);
        checkArgument(version <= SCHEMA_VERSION,
                "Cannot read manifest %s: schema_version %d is newer than this rotcal reads (%d) (upgrade rotcal)",
                source, version, SCHEMA_VERSION);
        try {
            return JSON.treeToValue(tree, Manifest.class);
        } catch (JsonProcessingException e) {
            String why = e.getCause() instanceof IllegalArgumentException invalid
                    ? invalid.getMessage() : e.getOriginalMessage();
            throw new IllegalArgumentException("Cannot read manifest " + source + ": " + firstLine(why), e);
        }
    }

    /** Reads a manifest from JSON bytes. */
    public static Manifest read(byte[] json, String source) throws IOException {
        return read(new ByteArrayInputStream(json), source);
    }

    /** The JSON text (what {@link #toJson} writes). */
    public String toJsonString() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Manifest[run_id=" + runId + ", schema_version=" + schemaVersion + ", created_at=" + createdAt
                + ", files=" + files.size() + "]";
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }

    private static boolean isInstant(String text) {
        try {
            Instant.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
