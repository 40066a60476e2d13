package dev.rotcal.jobs.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.SecretRedactor;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Every rotcal setting, built eagerly and validated once on the driver by {@link SettingsLoader}; immutable and
 * serializable, so executors get these records (never a Config). Keys and defaults: reference.conf.
 *
 * @param runId  the run id (resolved: never empty), one path segment
 * @param hadoop extra Hadoop settings (secrets included: never log this map; {@link #toString} redacts)
 */
public record RotcalSettings(String runId, ModelSettings model, ActivationsSettings activations, DataSettings data,
                             OutputSettings output, SparkSettings spark, CaptureSettings capture,
                             MassiveSettings massive, RefineSettings refine, ScalesSettings scales,
                             EvaluateSettings evaluate, Map<String, String> hadoop)
        implements Serializable {

    /** The MDC key under which the driver puts the run id (conf/log4j2.properties prints %X{runId}). */
    public static final String MDC_RUN_ID = "runId";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public RotcalSettings {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(activations, "activations");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(capture, "capture");
        Objects.requireNonNull(massive, "massive");
        Objects.requireNonNull(refine, "refine");
        Objects.requireNonNull(scales, "scales");
        Objects.requireNonNull(evaluate, "evaluate");
        hadoop = Map.copyOf(hadoop);
    }

    /** Where this run is published: {@code <output.uri>/<model.name>/<run-id>/}. */
    public ArtifactLayout layout() {
        return new ArtifactLayout(output.uri(), model.name(), runId);
    }

    /** Whether a model checkpoint is calibrated (otherwise pre-captured activations). */
    public boolean calibratesModel() {
        return model.isSet();
    }

    /** The model checkpoint folder or the activation dumps, whichever is set. */
    public String inputUri() {
        return model.isSet() ? model.uri() : activations.uri();
    }

    /** Every seed by purpose, for the manifest. */
    public Map<String, Long> seeds() {
        Map<String, Long> seeds = new LinkedHashMap<>();
        seeds.put("data_sampling", data.seed());
        seeds.put("massive_ro", massive.seed());
        seeds.put("refine_init", refine.seed());
        return seeds;
    }

    /**
     * The effective configuration as a JSON tree shaped like the HOCON ({"rotcal": {"run-id": …, "model": {…},
     * …, "hadoop": {"fs.s3a.endpoint": …}}}), with secret values redacted: the manifest's {@code config}.
     * It is valid HOCON too, so it can be given back as an overlay (secrets aside).
     */
    public JsonNode toRedactedTree() {
        return SecretRedactor.redact(EffectiveConfigTree.of(this));
    }

    /** {@link #toRedactedTree()} as indented JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(toRedactedTree());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("[BUG] Cannot write the settings as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** One line of redacted JSON (never the secrets of {@link #hadoop}). */
    @Override
    public String toString() {
        return "RotcalSettings" + toRedactedTree();
    }
}
