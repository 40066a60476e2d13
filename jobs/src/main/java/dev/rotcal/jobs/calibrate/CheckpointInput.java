package dev.rotcal.jobs.calibrate;

import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.CaptureActivationsStage;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.jobs.evaluate.EvaluateStage;
import dev.rotcal.jobs.tokens.CalibrationTokens;
import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.TokenizerVocabulary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Rows captured by running a Hugging Face checkpoint over calibration tokens: stages tokens and capture. */
final class CheckpointInput implements CalibrationInput {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointInput.class);

    private final RotcalSettings settings;
    private final Storage storage;
    private final ModelConfig config;
    private final ModelSource model;
    private final String tokenizerUri;
    private final CalibrationTokens tokens;

    private CheckpointInput(RotcalSettings settings, Storage storage, ModelConfig config, ModelSource model,
                            String tokenizerUri, CalibrationTokens tokens) {
        this.settings = settings;
        this.storage = storage;
        this.config = config;
        this.model = model;
        this.tokenizerUri = tokenizerUri;
        this.tokens = tokens;
    }

    /** Stage "tokens", on the driver: reads the corpus and cuts the calibration windows into blocks. */
    static CheckpointInput load(RotcalSettings settings, Storage storage, ModelConfig config) throws IOException {
        byte[] configJson = read(storage, settings.model().file("config.json"));
        ModelSource model = new ModelSource(new StorageCheckpointDirectory(storage, settings.model().uri()),
                configJson);
        // every shard's header (read and checked against its file's size) against config.json, before any
        // Spark work: a truncated or mismatched checkpoint fails here in one line, not in a capture task
        try (Checkpoint checkpoint = model.open()) {
            CheckpointValidator.validate(config, checkpoint);
        }
        String tokenizerUri = settings.data().tokenizerUri().isBlank() ? settings.model().file("tokenizer.json")
                : settings.data().tokenizerUri();
        CalibrationTokens tokens = CalibrationTokens.load(storage, settings.data(), tokenizerUri, config.vocabSize(),
                Math.max(1, settings.spark().partitions()),
                settings.scales().enabled() ? settings.scales().sequences() : 0);
        if (settings.evaluate().runs()) {
            // read now, not after hours of capture, refine and scales: out-of-vocabulary ids, too few tokens
            EvaluateStage.heldOutTokens(storage, settings.evaluate(), config.vocabSize(), 1);
        }
        LOG.info("tokens: {} windows of {} tokens from {} for DFRot{}", tokens.windows().count(),
                tokens.windows().sequenceLength(), settings.data().uri(), tokens.scales() == null ? ""
                        : ", " + tokens.scales().count() + " other windows for the scales stage");
        return new CheckpointInput(settings, storage, config, model, tokenizerUri, tokens);
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int headDim() {
        return config.headDim();
    }

    @Override
    public long rowCount() {
        return 2L * config.numHiddenLayers() * tokens.windows().tokens().length;
    }

    @Override
    public String stageName() {
        return "capture";
    }

    /** Stage "capture"; chunks are whole token blocks, which the row layout splits to {@code maxRows}. */
    @Override
    public List<JavaRDD<ActivationChunk>> rows(JavaSparkContext sc, int maxRows, int partitions, int blasThreads,
                                               StorageLevel level) {
        // one capture task per block: as many blocks as the job has partitions (or windows), so N windows keep
        // min(N, partitions) cores busy
        return CaptureActivationsStage.run(sc, model, config.numHiddenLayers(), tokens.reblocked(partitions).blocks(),
                blasThreads, level).rows();
    }

    @Override
    public Optional<ModelSource> model() {
        return Optional.of(model);
    }

    @Override
    public Optional<List<TokenBlock>> scalesBlocks(int maxBlocks) {
        return tokens.scales() == null ? Optional.empty() : Optional.of(tokens.scalesBlocks(maxBlocks));
    }

    @Override
    public String uri() {
        return settings.model().uri();
    }

    /** SHA-256 over config.json and the checkpoint's tensor index (names, dtypes, shapes, byte ranges). */
    @Override
    public String modelFingerprint() {
        return model.fingerprint();
    }

    @Override
    public String dataFingerprint() {
        return tokens.fingerprint();
    }

    @Override
    public Map<Integer, String> tokenText() throws IOException {
        return storage.exists(tokenizerUri) ? TokenizerVocabulary.read(InputFile.of(storage, tokenizerUri)) : Map.of();
    }

    private static byte[] read(Storage storage, String uri) throws IOException {
        try (InputStream in = storage.open(uri)) {
            return in.readAllBytes();
        }
    }
}
