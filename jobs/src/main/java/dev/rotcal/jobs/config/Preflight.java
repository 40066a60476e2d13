package dev.rotcal.jobs.config;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.dumps.ActivationDumps;
import dev.rotcal.linalg.HadamardOrder;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.SlidingWindow;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's checks of the inputs and the output before any Spark work: the model's config.json is there and
 * parses, its weights are there, its hidden size has a Hadamard matrix, the calibration data (and tokenizer) are
 * there — or, with activation dumps, their headers follow the format ({@link ActivationDumps}), their width has a
 * Hadamard matrix and the massive-row rule does not need rms(h) — and the run path does not already hold a
 * published run (unless rotcal.output.overwrite).
 *
 * <p>The storage should see the same Hadoop settings as the job: e.g. a {@code HadoopStorage} made from the
 * SparkContext's hadoopConfiguration after {@link RotcalSettings#hadoop()} was applied to it, or
 * {@code HadoopStorage.of(settings.hadoop())} before a SparkContext exists. Refusals are
 * {@link SettingsException}s (exit code 2); failures to reach the storage (network, credentials) are the
 * storage's one-line IOExceptions.
 */
public final class Preflight {
    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

    static final String WEIGHTS = "model.safetensors";
    static final String SHARD_INDEX = "model.safetensors.index.json";
    static final String SUPPORTED_HADAMARD = "supported: K·2^m with K in {" + HadamardOrder.SUPPORTED_K.stream()
            .map(String::valueOf).collect(Collectors.joining(", ")) + "}";

    private final Storage storage;

    public Preflight(Storage storage) {
        this.storage = Objects.requireNonNull(storage, "storage");
    }

    /** Runs every check in order and returns what the run needs; the first failed check throws. */
    public PreflightResult check(RotcalSettings settings) throws IOException {
        reachOutput(settings);
        return checkInputs(settings);
    }

    /**
     * The first half of {@link #check}: every store the run uses answers and the output can be written. A run takes
     * its lease right after this (CalibrateCommand), so that a second start of one run id is refused before it reads
     * any model file; {@link #checkInputs} then does the rest.
     */
    public ArtifactLayout reachOutput(RotcalSettings settings) throws IOException {
        long start = System.nanoTime();
        ArtifactLayout layout = layout(settings);
        awaitStores(settings.calibratesModel() ? List.of(settings.model().uri(), layout.outputUri())
                : List.of(settings.activations().uri(), layout.outputUri()));
        probeWritable(layout);
        LOG.info("Stores answer and {} can be written ({} ms)", layout.outputUri(),
                (System.nanoTime() - start) / 1_000_000);
        return layout;
    }

    /** The second half of {@link #check}: the inputs, and that no published run is in the way. */
    public PreflightResult checkInputs(RotcalSettings settings) throws IOException {
        long start = System.nanoTime();
        ArtifactLayout layout = layout(settings);
        Optional<ModelConfig> modelConfig = Optional.empty();
        Optional<ActivationDumps> activationDumps = Optional.empty();
        Optional<HadamardOrder> hadamard = Optional.empty();
        if (settings.calibratesModel()) {
            ModelConfig config = readModelConfig(settings);
            checkWeights(settings);
            hadamard = Optional.of(hiddenHadamard(settings, config.hiddenSize()));
            checkSequenceLength(settings, config);
            checkScales(settings, config);
            checkEvaluation(settings, config);
            modelConfig = Optional.of(config);
            requireExists(settings.data().uri(), "calibration data", "rotcal.data.uri");
            if (!settings.data().tokenizerUri().isEmpty()
                    && settings.data().format() == DataSettings.Format.TEXT) {
                requireExists(settings.data().tokenizerUri(), "tokenizer", "rotcal.data.tokenizer-uri");
            }
        } else {
            requireExists(settings.activations().uri(), "activation dumps", "rotcal.activations.uri");
            refuseMagnitudeRule(settings);
            ActivationDumps dumps = ActivationDumps.read(storage, settings.activations().uri());
            hadamard = Optional.of(hiddenHadamard(settings, dumps.hiddenSize()));
            activationDumps = Optional.of(dumps);
        }
        boolean replaces = refusePublishedRun(settings, layout);
        LOG.info("Preflight passed in {} ms: {} → {}{}", (System.nanoTime() - start) / 1_000_000,
                settings.inputUri(), layout.runUri(), replaces ? " (replacing the published run there)" : "");
        return new PreflightResult(modelConfig, activationDumps, hadamard, settings.model().name(), settings.runId(),
                layout, replaces);
    }

    private static ArtifactLayout layout(RotcalSettings settings) {
        try {
            return settings.layout();
        } catch (IllegalArgumentException e) {
            throw new SettingsException(e.getMessage(), e);
        }
    }

    private ModelConfig readModelConfig(RotcalSettings settings) throws IOException {
        String uri = settings.model().file(ModelConfig.FILE_NAME);
        byte[] json;
        try (InputStream in = storage.open(uri)) {
            json = in.readNBytes((int) ModelConfig.MAX_BYTES + 1);
        } catch (FileNotFoundException e) {
            throw new SettingsException("Cannot read model config " + uri + ": not found (check rotcal.model.uri)", e);
        }
        if (json.length > ModelConfig.MAX_BYTES) {
            throw new SettingsException("Cannot read model config " + uri + ": larger than " + ModelConfig.MAX_BYTES
                    + " bytes, not a config.json (check rotcal.model.uri)");
        }
        try {
            return ModelConfig.parse(uri, json);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(e.getMessage(), e);
        }
    }

    private void checkWeights(RotcalSettings settings) throws IOException {
        if (!storage.exists(settings.model().file(WEIGHTS)) && !storage.exists(settings.model().file(SHARD_INDEX))) {
            throw new SettingsException("Cannot read the weights of " + settings.model().uri() + ": neither "
                    + WEIGHTS + " nor " + SHARD_INDEX + " is there (check rotcal.model.uri)");
        }
    }

    private static HadamardOrder hiddenHadamard(RotcalSettings settings, int hiddenSize) {
        try {
            return HadamardOrder.of(hiddenSize);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("Cannot calibrate " + settings.model().name() + ": hidden size "
                    + hiddenSize + " has no Hadamard matrix (" + SUPPORTED_HADAMARD + ")", e);
        }
    }

    /** Sun et al.'s rule looks at h = x · rms(h), and a dump holds only x = h / rms(h). */
    private static void refuseMagnitudeRule(RotcalSettings settings) {
        if (settings.massive().rule() == MassiveSettings.Rule.MAGNITUDE) {
            throw new SettingsException("Cannot find massive rows by rotcal.massive.rule = magnitude in activation"
                    + " dumps: the rule needs rms(h) of the residual stream, and dumps hold only x / rms(x) (use"
                    + " nr-error or ro-vs-nr, or calibrate the model through rotcal.model.uri)");
        }
    }

    private static void checkSequenceLength(RotcalSettings settings, ModelConfig config) {
        int length = settings.data().sequenceLength();
        if (length > config.maxPositionEmbeddings()) {
            throw new SettingsException(String.format("Cannot calibrate %s: rotcal.data.sequence-length = %d is"
                            + " longer than max_position_embeddings %d of %s (lower rotcal.data.sequence-length)",
                    settings.model().name(), length, config.maxPositionEmbeddings(), config.source()));
        }
        Optional<SlidingWindow> window = config.slidingWindow();
        if (window.isPresent() && length > window.get().size()) {
            throw new SettingsException(String.format("Cannot calibrate %s: rotcal.data.sequence-length = %d is"
                            + " longer than the sliding window %d of %s (lower rotcal.data.sequence-length to at most %d)",
                    settings.model().name(), length, window.get().size(), config.source(), window.get().size()));
        }
    }

    /**
     * The scales stage's shapes: the online Hadamards R2 (head_dim) and R4 (intermediate size) exist, the INT group
     * size and the FP4 blocks tile every linear's input width.
     */
    private static void checkScales(RotcalSettings settings, ModelConfig config) {
        ScalesSettings scales = settings.scales();
        if (!scales.enabled()) {
            return;
        }
        String model = settings.model().name();
        for (var size : Map.of("head_dim", config.headDim(), "intermediate_size", config.intermediateSize())
                .entrySet()) {
            try {
                HadamardOrder.of(size.getValue());
            } catch (IllegalArgumentException e) {
                throw new SettingsException(String.format("Cannot compute scales for %s: %s %d has no Hadamard matrix"
                        + " for the online rotation (%s; or set rotcal.scales.enabled = false)", model, size.getKey(),
                        size.getValue(), SUPPORTED_HADAMARD), e);
            }
        }
        Map<String, Integer> inputs = new LinkedHashMap<>();
        inputs.put("hidden_size", config.hiddenSize());
        inputs.put("num_attention_heads × head_dim", config.numAttentionHeads() * config.headDim());
        inputs.put("intermediate_size", config.intermediateSize());
        int group = scales.groupSize();
        if (group > 0 && scales.weightMethods().stream().anyMatch(m -> m == ScalesSettings.WeightMethod.RTN
                || m == ScalesSettings.WeightMethod.GPTQ)) {
            inputs.forEach((name, width) -> {
                if (width % group != 0) {
                    throw new SettingsException(String.format("Cannot use rotcal.scales.group-size = %d for %s: it"
                                    + " does not divide %s = %d (choose a divisor of every linear's input width, or 0"
                                    + " for per-channel scales)", group, model, name, width));
                }
            });
        }
        for (var block : Map.of(ScalesSettings.WeightMethod.NVFP4, 16, ScalesSettings.WeightMethod.MXFP4, 32)
                .entrySet()) {
            if (scales.weightMethods().contains(block.getKey())) {
                inputs.forEach((name, width) -> {
                    if (width % block.getValue() != 0) {
                        throw new SettingsException(String.format("Cannot compute %s weight scales for %s: its"
                                        + " blocks of %d do not tile %s = %d (remove %s from rotcal.scales.weight-methods)",
                                block.getKey().configName(), model, block.getValue(), name, width,
                                block.getKey().configName()));
                    }
                });
            }
        }
    }

    /** The held-out tokens exist and their windows fit the model. */
    private void checkEvaluation(RotcalSettings settings, ModelConfig config) throws IOException {
        EvaluateSettings evaluate = settings.evaluate();
        if (!evaluate.runs()) {
            return;
        }
        requireExists(evaluate.dataUri(), "evaluation data", "rotcal.evaluate.data-uri");
        int length = evaluate.sequenceLength();
        int limit = config.slidingWindow().map(SlidingWindow::size).orElse(Integer.MAX_VALUE);
        limit = Math.min(limit, config.maxPositionEmbeddings());
        if (length > limit) {
            throw new SettingsException(String.format("Cannot evaluate %s: rotcal.evaluate.sequence-length = %d is"
                    + " longer than the model's %d positions (max_position_embeddings or sliding window of %s; lower"
                    + " rotcal.evaluate.sequence-length)", settings.model().name(), length, limit, config.source()));
        }
    }

    private void requireExists(String uri, String what, String key) throws IOException {
        if (!storage.exists(uri)) {
            throw new SettingsException("Cannot read " + what + " " + uri + ": not found (check " + key + ")");
        }
    }

    private boolean refusePublishedRun(RotcalSettings settings, ArtifactLayout layout) throws IOException {
        if (!storage.exists(layout.manifestUri())) {
            return false;
        }
        if (!settings.output().overwrite()) {
            throw new SettingsException("Cannot publish to " + layout.runUri() + ": a published run is there (set"
                    + " rotcal.output.overwrite=true or choose another rotcal.run-id)");
        }
        LOG.warn("A published run is at {}; rotcal.output.overwrite = true: it will be replaced", layout.runUri());
        return true;
    }

    /**
     * Creates and deletes a probe object under the output's staging root, so that an output that cannot be written
     * (a parent that is a file, no permission, a read-only bucket) fails here and not at the first checkpoint or the
     * commit, hours later. Failures of the store itself (unreachable, throttled) keep their cause: the exit code
     * then says "retry" (CliErrors).
     */
    private void probeWritable(ArtifactLayout layout) throws IOException {
        String probe = layout.stagingRootUri() + "/.probe-" + layout.runId() + "-" + ProcessHandle.current().pid();
        for (int attempt = 1; ; attempt++) {
            try {
                try (java.io.OutputStream out = storage.create(probe, true)) {
                    out.write('p');
                }
                storage.delete(probe);
                if (storage.list(layout.stagingRootUri(), false).isEmpty()) {
                    storage.delete(layout.stagingRootUri()); // no other run stages there: leave nothing behind
                }
                return;
            } catch (IOException | RuntimeException e) {
                if (dev.rotcal.jobs.CliErrors.isTransient(e)) {
                    throw e;
                }
                // another start may have removed the empty staging root under this probe (measured: 1 of 20 racing
                // starts); a real refusal fails every attempt
                if (attempt < PROBE_ATTEMPTS) {
                    LOG.debug("Output probe {} failed (attempt {}): {}", probe, attempt, e.getMessage());
                    continue;
                }
                throw new SettingsException("Cannot write to the output " + layout.outputUri() + ": " + firstLine(e)
                        + " (check rotcal.output.uri and the permissions there)", e);
            }
        }
    }

    /** Attempts of the output's writability probe. */
    static final int PROBE_ATTEMPTS = 3;

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Attempts of {@link #awaitStores} before the failure is reported (as transient: exit code 4). */
    static final int STORE_ATTEMPTS = 4;
    static final long STORE_PAUSE_MILLIS = 5000;

    /**
     * Reaches every remote store the run uses before anything else: a store that does not answer (connection refused,
     * timeouts, throttling) is retried {@link #STORE_ATTEMPTS} times with one WARN line per attempt naming the URI and
     * the cause, then reported — the exit code then says "retry later" (CliErrors). Local files are not probed.
     */
    private void awaitStores(List<String> uris) throws IOException {
        for (String uri : uris) {
            if (uri == null || uri.isEmpty() || uri.startsWith("file:")) {
                continue;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    storage.exists(uri);
                    break;
                } catch (IOException | RuntimeException e) {
                    if (!dev.rotcal.jobs.CliErrors.isTransient(e) || attempt == STORE_ATTEMPTS) {
                        throw e;
                    }
                    LOG.warn("Cannot reach the store of {} (attempt {}/{}: {}); retrying in {} s", uri, attempt,
                            STORE_ATTEMPTS, firstLine(rootCause(e)), STORE_PAUSE_MILLIS / 1000);
                    try {
                        Thread.sleep(STORE_PAUSE_MILLIS);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for " + uri);
                    }
                }
            }
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
