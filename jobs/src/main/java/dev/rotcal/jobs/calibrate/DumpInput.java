package dev.rotcal.jobs.calibrate;

import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.dumps.ActivationDumps;
import dev.rotcal.jobs.dumps.LoadActivationDumpsStage;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.TokenizerVocabulary;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Rows read from pre-captured activation dumps (rotcal.activations.uri), whose headers the preflight checked.
 * Both fingerprints are the dumps' header fingerprint; token text comes from rotcal.data.tokenizer-uri when set.
 */
final class DumpInput implements CalibrationInput {
    private final RotcalSettings settings;
    private final Storage storage;
    private final ActivationDumps dumps;

    DumpInput(RotcalSettings settings, Storage storage, ActivationDumps dumps) {
        this.settings = settings;
        this.storage = storage;
        this.dumps = dumps;
    }

    @Override
    public int hiddenSize() {
        return dumps.hiddenSize();
    }

    @Override
    public int headDim() {
        return 0;
    }

    @Override
    public long rowCount() {
        return dumps.rowCount();
    }

    @Override
    public String stageName() {
        return "load_dumps";
    }

    /** Stage "load dumps", in the blocks the capture stage would use ({@code max(1, partitions)} per layer). */
    @Override
    public List<JavaRDD<ActivationChunk>> rows(JavaSparkContext sc, int maxRows, int partitions, int blasThreads,
                                               StorageLevel level) {
        return LoadActivationDumpsStage.run(sc, storage, dumps, partitions, maxRows,
                partitions, level);
    }

    @Override
    public String uri() {
        return dumps.uri();
    }

    @Override
    public String modelFingerprint() {
        return dumps.fingerprint();
    }

    @Override
    public String dataFingerprint() {
        return dumps.fingerprint();
    }

    @Override
    public Map<Integer, String> tokenText() throws IOException {
        String tokenizer = settings.data().tokenizerUri();
        return !tokenizer.isBlank() && storage.exists(tokenizer)
                ? TokenizerVocabulary.read(InputFile.of(storage, tokenizer)) : Map.of();
    }
}
