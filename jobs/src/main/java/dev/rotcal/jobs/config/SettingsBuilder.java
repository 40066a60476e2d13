package dev.rotcal.jobs.config;

import dev.rotcal.jobs.config.DataSettings.Format;
import dev.rotcal.jobs.config.MassiveSettings.Rule;
import dev.rotcal.jobs.config.RefineSettings.Init;
import dev.rotcal.jobs.config.RefineSettings.Solver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads every key of a resolved, key-checked config into {@link RotcalSettings}, checking ranges and combinations. */
final class SettingsBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsBuilder.class);

    /** A run id or model name: one path segment (the same rule as ArtifactLayout's). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final String NAME_RULE = "it must be one path segment of letters, digits, '.', '_' and '-' that"
            + " starts with a letter or digit, at most 200 characters";
    private static final DateTimeFormatter RUN_ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):(.*)$");

    private final SettingsReader r;
    private final UriSettings uris;
    private final Clock clock;

    SettingsBuilder(SettingsReader reader, Clock clock, Path workingDirectory) {
        this.r = reader;
        this.uris = new UriSettings(reader, workingDirectory);
        this.clock = clock;
    }

    RotcalSettings build(Map<String, String> hadoop) {
        String runId = runId();
        String modelUri = uri("rotcal.model.uri");
        String modelName = r.string("rotcal.model.name").strip();
        String activationsUri = uri("rotcal.activations.uri");
        String dataUri = uri("rotcal.data.uri");
        Format format = r.choice("rotcal.data.format", Format.class);
        String tokenizerUri = uri("rotcal.data.tokenizer-uri");
        int sequenceLength = r.integer("rotcal.data.sequence-length", 2, Integer.MAX_VALUE, "it must be at least 2",
                "DFRot uses one window of 2048 tokens");
        int sequences = r.integer("rotcal.data.sequences", 1, Integer.MAX_VALUE, "it must be at least 1",
                "DFRot uses 1");
        long dataSeed = r.longValue("rotcal.data.seed");
        OutputSettings output = new OutputSettings(requiredUri("rotcal.output.uri", "e.g. s3a://bucket/rotcal"),
                r.bool("rotcal.output.overwrite"));
        SparkSettings spark = new SparkSettings(r.string("rotcal.spark.master").strip(),
                r.integer("rotcal.spark.partitions", 0, Integer.MAX_VALUE, "it must be at least 0",
                        "0 = spark.default.parallelism"),
                r.integer("rotcal.spark.blas-threads-per-task", 1, 1024, "it must be between 1 and 1024",
                        "1 = one BLAS thread per task slot"),
                r.integer("rotcal.spark.driver-blas-threads", 0, 1024, "it must be between 0 and 1024",
                        "0 = all the driver's cores"));
        CaptureSettings capture = new CaptureSettings(r.choice("rotcal.capture.storage-level",
                CaptureSettings.STORAGE_LEVELS));
        MassiveSettings massive = massive();
        RefineSettings refine = refine();
        ScalesSettings scales = scales();
        EvaluateSettings evaluate = evaluate();

        checkInput(modelUri, activationsUri);
        String name = modelName.isEmpty() ? derivedModelName(modelUri, activationsUri) : checkedModelName(modelName);
        DataSettings data = data(modelUri, activationsUri, dataUri, format, tokenizerUri, sequenceLength, sequences,
                dataSeed);
        return new RotcalSettings(runId, new ModelSettings(modelUri, name), new ActivationsSettings(activationsUri),
                data, output, spark, capture, massive, refine, scales, evaluate, hadoop);
    }

    private String runId() {
        String runId = r.string("rotcal.run-id").strip();
        if (runId.isEmpty()) {
            return "run-" + RUN_ID_TIME.format(clock.instant());
        }
        if (!NAME.matcher(runId).matches()) {
            throw r.invalid("rotcal.run-id", NAME_RULE, "e.g. run-20260131-120000, or \"\" for one from the clock");
        }
        return runId;
    }

    private MassiveSettings massive() {
        Rule rule = r.choice("rotcal.massive.rule", Rule.class);
        double nrError = r.decimal("rotcal.massive.nr-error-threshold", v -> v > 0, "it must be > 0",
                "relative to sqrt(d); DFRot's 8.5 at d = 4096 is 0.1328125");
        double magnitudeMin = r.decimal("rotcal.massive.magnitude-min", v -> v > 0, "it must be > 0",
                "Sun et al. use 100");
        double medianRatio = r.decimal("rotcal.massive.magnitude-median-ratio", v -> v > 0, "it must be > 0",
                "Sun et al. use 1000");
        return new MassiveSettings(rule, nrError, magnitudeMin, medianRatio, r.longValue("rotcal.massive.seed"));
    }

    private ScalesSettings scales() {
        String bitsHint = "4 for W4A4KV4";
        if (r.bool("rotcal.scales.gptq-act-order") && r.integer("rotcal.scales.group-size", 0, Integer.MAX_VALUE,
                "it must be at least 0", "0 = per output channel") > 0) {
            throw r.invalid("rotcal.scales.gptq-act-order", "act-order is supported with per-channel scales only "
                    + "(grouped act-order needs gptq.py's g_idx, which no rotcal output carries)",
                    "set rotcal.scales.group-size = 0 or gptq-act-order = false");
        }
        return new ScalesSettings(r.bool("rotcal.scales.enabled"),
                r.choices("rotcal.scales.weight-methods", ScalesSettings.WeightMethod.class, true),
                r.integer("rotcal.scales.weight-bits", 2, 8, "it must be between 2 and 8", bitsHint),
                r.integer("rotcal.scales.group-size", 0, Integer.MAX_VALUE, "it must be at least 0",
                        "0 = per output channel; QuaRot's groups are 128"),
                r.bool("rotcal.scales.weight-clip-search"),
                r.integer("rotcal.scales.activation-bits", 2, 8, "it must be between 2 and 8", bitsHint),
                r.integer("rotcal.scales.kv-bits", 2, 8, "it must be between 2 and 8", bitsHint),
                r.bool("rotcal.scales.static-activation-scales"),
                r.choices("rotcal.scales.fp-formats", ScalesSettings.FpFormatName.class, false),
                r.integer("rotcal.scales.fp-search-steps", 2, 10_000, "it must be between 2 and 10000",
                        "LLM-FP4 uses 100"),
                r.integer("rotcal.scales.sample-rows", 1, 1 << 20, "it must be between 1 and 1048576",
                        "a few hundred rows per linear are enough for the format search"),
                r.integer("rotcal.scales.sequences", 1, 1 << 20, "it must be at least 1",
                        "gptq.py and QuaRot use 128 windows of 2048 tokens"),
                r.choice("rotcal.scales.gptq-inputs", ScalesSettings.GptqInputs.class),
                r.bool("rotcal.scales.gptq-clip-search"), r.bool("rotcal.scales.gptq-act-order"));
    }

    private EvaluateSettings evaluate() {
        String dataUri = uri("rotcal.evaluate.data-uri");
        Format format = r.choice("rotcal.evaluate.format", Format.class);
        if (!dataUri.isEmpty() && format == Format.TEXT) {
            throw r.invalid("rotcal.evaluate.format", "held-out text is not supported yet, only token ids",
                    "give the evaluation tokens as .npy, .safetensors or .jsonl");
        }
        return new EvaluateSettings(r.bool("rotcal.evaluate.enabled"), dataUri, format,
                r.integer("rotcal.evaluate.sequence-length", 2, Integer.MAX_VALUE, "it must be at least 2",
                        "e.g. 256; perplexity papers use 2048"),
                r.integer("rotcal.evaluate.sequences", 1, Integer.MAX_VALUE, "it must be at least 1",
                        "more windows give a steadier perplexity"),
                r.longValue("rotcal.evaluate.seed"));
    }

    private RefineSettings refine() {
        int iterations = r.integer("rotcal.refine.iterations", 1, Integer.MAX_VALUE, "it must be at least 1",
                "DFRot uses 100");
        double alpha = r.decimal("rotcal.refine.alpha", v -> v > 0, "it must be > 0",
                "the weight of massive rows; DFRot uses 100, 1 = plain Procrustes");
        Init init = r.choice("rotcal.refine.init", Init.class);
        long seed = r.longValue("rotcal.refine.seed");
        Solver solver = r.choice("rotcal.refine.solver", Solver.class);
        int checkpointEvery = r.integer("rotcal.refine.checkpoint-every", 0, Integer.MAX_VALUE,
                "it must be at least 0", "0 = no checkpoints");
        int bits = r.integer("rotcal.refine.bits", 2, 8, "it must be between 2 and 8", "4 for W4A4");
        double clipRatio = r.decimal("rotcal.refine.clip-ratio", v -> v > 0 && v <= 1, "it must be in (0, 1]",
                "1.0 = no clipping");
        return new RefineSettings(iterations, alpha, init, seed, solver, checkpointEvery, bits, clipRatio,
                r.bool("rotcal.refine.compare-plain-procrustes"));
    }

    private void checkInput(String modelUri, String activationsUri) {
        if (!modelUri.isEmpty() && !activationsUri.isEmpty()) {
            throw new SettingsException(String.format("Cannot choose what to calibrate: both rotcal.model.uri = %s"
                            + " (%s) and rotcal.activations.uri = %s (%s) are set (set exactly one: a model"
                            + " checkpoint, or pre-captured activations)", r.shown("rotcal.model.uri"),
                    r.origin("rotcal.model.uri"), r.shown("rotcal.activations.uri"), r.origin("rotcal.activations.uri")));
        }
        if (modelUri.isEmpty() && activationsUri.isEmpty()) {
            throw new SettingsException("Cannot choose what to calibrate: neither rotcal.model.uri nor"
                    + " rotcal.activations.uri is set (set one, e.g. --set rotcal.model.uri=s3a://bucket/models/"
                    + "Llama-3.1-8B)");
        }
    }

    private String derivedModelName(String modelUri, String activationsUri) {
        String key = modelUri.isEmpty() ? "rotcal.activations.uri" : "rotcal.model.uri";
        String uri = modelUri.isEmpty() ? activationsUri : modelUri;
        String path = uri;
        Matcher scheme = SCHEME.matcher(uri);
        if (scheme.matches()) {
            path = scheme.group(2);
            if (path.startsWith("//")) {
                int slash = path.indexOf('/', 2);
                path = slash < 0 ? "" : path.substring(slash);
            }
        }
        String segment = path.substring(path.lastIndexOf('/') + 1);
        if (!NAME.matcher(segment).matches()) {
            throw new SettingsException(String.format("Cannot name the model after %s = %s (%s): its last path"
                            + " segment '%s' is not a valid model name (set rotcal.model.name; %s)", key, r.shown(key),
                    r.origin(key), segment, NAME_RULE));
        }
        return segment;
    }

    private String checkedModelName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw r.invalid("rotcal.model.name", NAME_RULE, "e.g. Llama-3.1-8B, or \"\" for the last segment of"
                    + " rotcal.model.uri");
        }
        return name;
    }

    private DataSettings data(String modelUri, String activationsUri, String dataUri, Format configured,
                              String tokenizerUri, int sequenceLength, int sequences, long seed) {
        if (!modelUri.isEmpty() && dataUri.isEmpty()) {
            throw new SettingsException(String.format("Cannot calibrate model %s: rotcal.data.uri is empty (set it"
                    + " to the calibration tokens: .npy, .safetensors, .jsonl or .txt)", modelUri));
        }
        if (!activationsUri.isEmpty() && !dataUri.isEmpty()) {
            LOG.warn("rotcal.data.uri = {} is not used: pre-captured activations (rotcal.activations.uri) need no"
                    + " calibration tokens", dataUri);
        }
        Format format = configured;
        if (!dataUri.isEmpty() && configured == Format.AUTO) {
            format = Format.ofExtension(dataUri).orElseThrow(() -> r.invalid("rotcal.data.uri",
                    "rotcal.data.format = auto cannot tell its format from the extension",
                    "name the file .npy, .safetensors, .jsonl or .txt, or set rotcal.data.format"));
        }
        String tokenizer = tokenizerUri;
        if (format == Format.TEXT && tokenizer.isEmpty() && !modelUri.isEmpty()) {
            tokenizer = modelUri + "/tokenizer.json";
        }
        return new DataSettings(dataUri, format, tokenizer, sequenceLength, sequences, seed);
    }

    private String requiredUri(String key, String example) {
        String uri = uri(key);
        if (uri.isEmpty()) {
            throw r.invalid(key, "it is empty", example);
        }
        return uri;
    }

    private String uri(String key) {
        return uris.read(key);
    }
}
