package dev.rotcal.artifact;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * massive_tokens.json: the tokens whose rows were up-weighted in the refinement, grouped by token
 * (sequence, position), each with the rows (layer, norm site) that were flagged.
 *
 * @param rule         the detection rule ("nr-error", "ro-vs-nr", "magnitude")
 * @param threshold    the rule's threshold in absolute units (for nr-error: the L2 error below which a row is
 *                     massive, i.e. the relative threshold × √d)
 * @param hiddenSize   d
 * @param alpha        the weight given to massive rows in the refinement
 * @param rowsScanned  calibration rows looked at
 * @param massiveRows  rows flagged
 * @param tokens       the flagged tokens, by sequence then position
 */
@JsonPropertyOrder({"rule", "threshold", "hidden_size", "alpha", "rows_scanned", "massive_rows", "tokens"})
public record MassiveTokenReport(
        @JsonProperty("rule") String rule,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("alpha") double alpha,
        @JsonProperty("rows_scanned") long rowsScanned,
        @JsonProperty("massive_rows") long massiveRows,
        @JsonProperty("tokens") List<Token> tokens) {

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** One flagged row: a layer's norm output for one token. */
    @JsonPropertyOrder({"layer", "site", "max_abs", "channels", "nr_error"})
    public record Row(
            @JsonProperty("layer") int layer,
            @JsonProperty("site") String site,
            @JsonProperty("max_abs") float maxAbs,
            @JsonProperty("channels") int[] channels,
            @JsonProperty("nr_error") double nrError) implements Serializable {
    }

    /**
     * A token with at least one flagged row.
     *
     * @param channels the top channels (by |x|) of its largest flagged row
     * @param maxAbs   its largest |x| over the flagged rows (normalized rows: at most √d)
     */
    @JsonPropertyOrder({"sequence", "position", "token_id", "token", "first_layer", "flagged_rows", "max_abs",
            "channels", "rows"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Token(
            @JsonProperty("sequence") int sequence,
            @JsonProperty("position") int position,
            @JsonProperty("token_id") int tokenId,
            @JsonProperty("token") String text,
            @JsonProperty("first_layer") int firstLayer,
            @JsonProperty("flagged_rows") int flaggedRows,
            @JsonProperty("max_abs") float maxAbs,
            @JsonProperty("channels") int[] channels,
            @JsonProperty("rows") List<Row> rows) {
    }

    /** A flagged row as the scan found it, before grouping. */
    public record FlaggedRow(int sequence, int position, int tokenId, Row row) implements Serializable {
    }

    /** Groups flagged rows by token; {@code text} maps token ids to their text where a tokenizer is known. */
    public static MassiveTokenReport of(String rule, double threshold, int hiddenSize, double alpha, long rowsScanned,
                                        List<FlaggedRow> flagged, Map<Integer, String> text) {
        Map<Long, List<FlaggedRow>> byToken = new TreeMap<>();
        for (FlaggedRow f : flagged) {
            byToken.computeIfAbsent(((long) f.sequence() << 32) | f.position(), k -> new ArrayList<>()).add(f);
        }
        List<Token> tokens = new ArrayList<>();
        for (List<FlaggedRow> rows : byToken.values()) {
            rows.sort(Comparator.comparingInt((FlaggedRow f) -> f.row().layer()).thenComparing(f -> f.row().site()));
            Row peak = rows.stream().map(FlaggedRow::row).max(Comparator.comparingDouble(Row::maxAbs)).orElseThrow();
            FlaggedRow first = rows.get(0);
            tokens.add(new Token(first.sequence(), first.position(), first.tokenId(), text.get(first.tokenId()),
                    first.row().layer(), rows.size(), peak.maxAbs(), peak.channels(),
                    rows.stream().map(FlaggedRow::row).toList()));
        }
        return new MassiveTokenReport(rule, threshold, hiddenSize, alpha, rowsScanned, flagged.size(), tokens);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write massive_tokens.json: " + e.getMessage(), e);
        }
    }

    public static MassiveTokenReport read(byte[] json, String source) {
        try {
            return JSON.readValue(json, MassiveTokenReport.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read massive-token report " + source + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
