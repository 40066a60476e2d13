package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What report.html is made of: the run's identity and the trees the artifact already holds.
 *
 * @param runId         the run id, e.g. {@code run-20261122-132428}
 * @param modelName     the model name from the settings ({@code rotcal.model.name})
 * @param metrics       the metrics.json tree; a missing tree renders every metrics section as absent
 * @param massiveTokens the massive_tokens.json tree
 * @param config        the effective config tree with secrets already redacted
 * @param stageSeconds  wall seconds per stage in run order; when empty the report reads {@code stage_seconds}
 *                      (or {@code seconds}) from the metrics
 */
public record ReportInput(String runId, String modelName, JsonNode metrics, JsonNode massiveTokens, JsonNode config,
                          Map<String, Double> stageSeconds) {

    /** Replaces absent trees with {@link MissingNode} and copies the timings (order kept). */
    public ReportInput {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(modelName, "modelName");
        metrics = orMissing(metrics);
        massiveTokens = orMissing(massiveTokens);
        config = orMissing(config);
        stageSeconds = stageSeconds == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(stageSeconds));
    }

    /** An input whose stage timings come from the metrics tree. */
    public static ReportInput of(String runId, String modelName, JsonNode metrics, JsonNode massiveTokens,
                                 JsonNode config) {
        return new ReportInput(runId, modelName, metrics, massiveTokens, config, Map.of());
    }

    private static JsonNode orMissing(JsonNode node) {
        return node == null || node.isNull() ? MissingNode.getInstance() : node;
    }
}
