package dev.rotcal.jobs.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.BadInputException;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.jobs.spark.JobGroups;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code hf-rotated} export (README "Serving"): a plain Hugging Face checkpoint of the rotated model — R1 folded
 * into the embeddings, every linear and the (untied) output head, R2 into v_proj / o_proj per head, the norm gains
 * folded (norms = 1), no online rotation — that transformers loads with {@code AutoModelForCausalLM} and whose logits
 * equal the original model's. One Spark task per shard (the embeddings, the head, each layer); the driver then writes
 * {@code model.safetensors.index.json} (last: a folder without it is not an export), config.json
 * ({@code tie_word_embeddings = false}, the export's {@code torch_dtype}, a {@code rotcal_export} note) and copies the
 * generation config and tokenizer files.
 */
public final class HfRotatedExport {
    private static final Logger LOG = LoggerFactory.getLogger(HfRotatedExport.class);
    public static final String FORMAT = "hf-rotated";
    /** Files copied as they are when the checkpoint has them. */
    static final List<String> COPIED = List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written. */
    public record Result(String outUri, int shards, long bytes) {
    }

    private HfRotatedExport() {
    }

    /**
     * @param runUri   the published run (its manifest names the model and its fingerprint)
     * @param modelUri the original checkpoint, or null for the manifest's
     * @param dtype    the export's weights dtype, or null for the checkpoint's torch_dtype
     */
    public static Result run(JavaSparkContext sc, Storage storage, String runUri, String modelUri, String outUri,
                             SafetensorsDtype dtype, boolean overwrite) throws IOException {
        Manifest manifest;
        try (InputStream in = storage.open(runUri + "/manifest.json")) {
            manifest = Manifest.read(in, runUri + "/manifest.json");
        } catch (java.io.FileNotFoundException e) {
            throw new BadInputException("Cannot export " + runUri + ": no manifest.json there (is it a published run?"
                    + " check the URI)", e);
        }
        String model = modelUri == null ? manifest.model().uri() : modelUri;
        byte[] configJson;
        try (InputStream in = storage.open(model + "/" + ModelConfig.FILE_NAME)) {
            configJson = in.readAllBytes();
        } catch (java.io.FileNotFoundException e) {
            throw new BadInputException("Cannot export " + runUri + ": the model " + model + " has no config.json"
                    + " (give the original checkpoint with --model)", e);
        }
        ModelSource source = new ModelSource(new StorageCheckpointDirectory(storage, model), configJson);
        String fingerprint = source.fingerprint();
        if (!fingerprint.equals(manifest.model().fingerprint())) {
            throw new BadInputException(String.format(Locale.ROOT, "Cannot export %s with the model %s: its"
                    + " fingerprint %s is not the run's %s (give the checkpoint the run calibrated with --model)",
                    runUri, model, fingerprint.substring(0, 16), manifest.model().fingerprint().substring(0, 16)));
        }
        ModelConfig config = source.config();
        SafetensorsDtype weights = dtype != null ? dtype : checkpointDtype(source);
        if (!overwrite && storage.exists(outUri + "/" + Checkpoint.INDEX_FILE)) {
            throw new BadInputException("Cannot export to " + outUri + ": an export is there (choose another --out or"
                    + " pass --overwrite)");
        }
        double[] r1;
        try (SafetensorsFile file = SafetensorsFile.open(storage.openByteSource(runUri + "/"
                + ArtifactLayout.ROTATION))) {
            r1 = RotationFile.readR1(file);
        }
        int shards = config.numHiddenLayers() + 2;
        LOG.info("export {}: {} → {} in {} shards of {} (R1 and R2 folded, norms 1, untied head)", FORMAT, runUri,
                outUri, shards, weights);
        Broadcast<double[]> r1Broadcast = sc.broadcast(r1);
        List<HfRotatedShard.Written> written;
        try (JobGroups.Group g = JobGroups.enter(sc, "export", "export %s: %d shards", FORMAT, shards)) {
            written = new ArrayList<>(sc.parallelize(IntStream.range(0, shards).boxed().toList(), shards)
                    .map(new HfRotatedShard(source, r1Broadcast, storage, outUri, weights, shards)).collect());
        } finally {
            r1Broadcast.destroy();
        }
        for (String name : COPIED) {
            String from = model + "/" + name;
            if (storage.exists(from)) {
                try (InputStream in = storage.open(from); OutputStream out = storage.create(outUri + "/" + name, true)) {
                    in.transferTo(out);
                }
            }
        }
        ObjectNode exportedConfig = (ObjectNode) JSON.readTree(configJson);
        exportedConfig.put("tie_word_embeddings", false);
        exportedConfig.put("torch_dtype", torchName(weights));
        ObjectNode note = exportedConfig.putObject("rotcal_export");
        note.put("format", FORMAT);
        note.put("run_id", manifest.runId());
        note.put("rotations", "R1 (residual stream) and R2 (per head, v_proj/o_proj) folded; norm gains folded;"
                + " no online rotation");
        write(storage, outUri + "/" + ModelConfig.FILE_NAME, JSON.writeValueAsBytes(exportedConfig));
        Map<String, String> weightMap = new TreeMap<>();
        long bytes = 0;
        for (HfRotatedShard.Written w : written) {
            w.tensors().forEach(t -> weightMap.put(t, w.file()));
            bytes += w.bytes();
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", bytes);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        write(storage, outUri + "/" + Checkpoint.INDEX_FILE, JSON.writeValueAsBytes(index));
        LOG.info("export {}: {} tensors, {} bytes in {} shards at {}", FORMAT, weightMap.size(), bytes, shards, outUri);
        return new Result(outUri, shards, bytes);
    }

    /** The checkpoint's floating dtype (BF16 for nearly every release). */
    private static SafetensorsDtype checkpointDtype(ModelSource source) {
        try (Checkpoint checkpoint = source.open()) {
            return checkpoint.infos().values().stream().map(i -> i.dtype()).filter(SafetensorsDtype::isFloating)
                    .findFirst().orElse(SafetensorsDtype.F32);
        }
    }

    static String torchName(SafetensorsDtype dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException("[BUG] not a weights dtype: " + dtype);
        };
    }

    private static void write(Storage storage, String uri, byte[] bytes) throws IOException {
        try (OutputStream out = storage.create(uri, true)) {
            out.write(bytes);
        }
    }
}
