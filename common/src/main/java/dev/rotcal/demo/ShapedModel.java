package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.tokens.NpyWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a real-shaped test model: a Hugging Face folder with a real model's config.json (LLaMA-3.1-8B/70B,
 * LLaMA-2-7B, Mistral-7B, Qwen2-7B; {@link ModelShape}) but only N decoder layers, BF16 weights in
 * model-0000k-of-0000N.safetensors shards of ≤ 4 GB plus model.safetensors.index.json, rotcal_demo.json (where
 * the planted mechanism is) and the token files calibration-tokens.npy / evaluation-tokens.npy (int32, windows ×
 * window tokens, the demo corpus's names). No tokenizer: the .npy files are ids, which rotcal reads without
 * one. Weights are made and written chunk by chunk ({@link ShapedWeights}, {@link ShardedCheckpointWriter}), so
 * memory stays at a few MB whatever the width; the same spec writes byte-identical files.
 */
public final class ShapedModel {
    public static final String CONFIG_JSON = DemoModel.CONFIG_JSON;
    public static final String MECHANISM_JSON = DemoModel.MECHANISM_JSON;
    public static final String CALIBRATION_NPY = DemoCorpus.CALIBRATION_NPY;
    public static final String EVALUATION_NPY = DemoCorpus.EVALUATION_NPY;
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors(\\.partial)?");
    private static final Logger LOG = LoggerFactory.getLogger(ShapedModel.class);

    private ShapedModel() {
    }

    /**
     * What was written.
     *
     * @param files            every file written → its size in bytes, in the order written
     * @param weightBytes      tensor data bytes (the index's total_size)
     * @param calibrationIds   calibration token count; {@code calibrationDelimiters} of them are the delimiter
     * @param seconds          wall time of the whole write
     */
    public record Written(Path dir, ShapedMechanism mechanism, Map<String, Long> files, int shards, long weightBytes,
                          int calibrationIds, int calibrationDelimiters, int evaluationIds, int evaluationDelimiters,
                          double seconds) {
    }

    /**
     * Writes the model into {@code dir} (created if missing; files of the same name, and the shards of an earlier
     * shaped write, are replaced). Refuses a folder that holds a single-file model.safetensors, which every
     * reader would take instead of the shards.
     */
    public static Written write(Path dir, ShapedModelSpec spec) {
        long start = System.nanoTime();
        try {
            Files.createDirectories(dir);
            checkArgument(!Files.exists(dir.resolve(Checkpoint.SINGLE_FILE)), "Cannot write a sharded model into %s:"
                    + " it holds %s, which readers would take instead of the shards (remove it or choose another"
                    + " folder)", dir, Checkpoint.SINGLE_FILE);
            removeOldShards(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the folder " + dir + ": " + e, e);
        }
        ShapedMechanism mechanism = ShapedMechanism.of(spec);
        ShapedWeights weights = new ShapedWeights(mechanism);
        List<ShardedCheckpointWriter.Shard> shards = ShardedCheckpointWriter.write(dir, weights.tensors(),
                spec.maxShardBytes());
        DemoJson.write(dir.resolve(CONFIG_JSON), spec.config());
        int vocab = mechanism.config().vocabSize();
        int delimiter = mechanism.delimiterTokenId();
        int[] calibration = ShapedTokens.generate(spec.calibrationWindows(), spec.windowTokens(), vocab, delimiter,
                SeededStreams.stream(spec.seed(), "tokens.calibration"));
        int[] evaluation = ShapedTokens.generate(spec.evaluationWindows(), spec.windowTokens(), vocab, delimiter,
                SeededStreams.stream(spec.seed(), "tokens.evaluation"));
        NpyWriter.writeInt32(dir.resolve(CALIBRATION_NPY), calibration);
        NpyWriter.writeInt32(dir.resolve(EVALUATION_NPY), evaluation);
        DemoJson.write(dir.resolve(MECHANISM_JSON), mechanism.toJson());

        Map<String, Long> files = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        shards.forEach(s -> names.add(s.file()));
        names.addAll(List.of(Checkpoint.INDEX_FILE, CONFIG_JSON, MECHANISM_JSON, CALIBRATION_NPY, EVALUATION_NPY));
        try {
            for (String name : names) {
                files.put(name, Files.size(dir.resolve(name)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir + ": " + e, e);
        }
        long weightBytes = shards.stream().mapToLong(ShardedCheckpointWriter.Shard::dataBytes).sum();
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("Wrote {} with {} layer(s) ({} shard(s), {} bytes of weights) to {} in {} s", spec.shape().cliName(),
                spec.layers(), shards.size(), weightBytes, dir, String.format("%.1f", seconds));
        return new Written(dir, mechanism, files, shards.size(), weightBytes, calibration.length,
                count(calibration, delimiter), evaluation.length, count(evaluation, delimiter), seconds);
    }

    private static void removeOldShards(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> SHARD.matcher(f.getFileName().toString()).matches()).toList()) {
                Files.delete(file);
            }
        }
    }

    private static int count(int[] ids, int id) {
        int n = 0;
        for (int x : ids) {
            n += x == id ? 1 : 0;
        }
        return n;
    }
}
