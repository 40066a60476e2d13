package dev.rotcal.jobs.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code rotcal inspect} on an export folder: config.json parses; the index and the shards agree both ways (every
 * tensor the index names is in its shard, every tensor of a shard is in the index under that shard); every tensor
 * the config implies is there with its shape ({@link CheckpointValidator}); the weights' dtype is config.json's
 * torch_dtype; each shard's metadata says {@code format = pt} (transformers refuses other archives).
 */
public final class ExportVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was checked and what is wrong (empty when the export is consistent). */
    public record Report(String folder, int tensors, int shards, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private ExportVerifier() {
    }

    /** True when {@code uri} looks like a checkpoint folder rather than a published run. */
    public static boolean isCheckpoint(Storage storage, String uri) throws IOException {
        return !storage.exists(uri + "/manifest.json") && (storage.exists(uri + "/" + Checkpoint.INDEX_FILE)
                || storage.exists(uri + "/" + Checkpoint.SINGLE_FILE));
    }

    public static Report verify(Storage storage, String folder) throws IOException {
        List<String> problems = new ArrayList<>();
        byte[] configJson;
        try (InputStream in = storage.open(folder + "/" + ModelConfig.FILE_NAME)) {
            configJson = in.readAllBytes();
        }
        ModelConfig config = ModelConfig.parse(folder + "/" + ModelConfig.FILE_NAME, configJson);
        String torchDtype = JSON.readTree(configJson).path("torch_dtype").asText("");
        int shards;
        Map<String, TensorInfo> infos;
        try (Checkpoint checkpoint = Checkpoint.open(new StorageCheckpointDirectory(storage, folder))) {
            infos = checkpoint.infos();
            shards = checkpoint.shardFiles().size();
            for (String shard : checkpoint.shardFiles()) {
                try (SafetensorsFile file = SafetensorsFile.open(storage.openByteSource(folder + "/" + shard))) {
                    Set<String> indexed = new TreeSet<>();
                    checkpoint.tensorNames().stream().filter(t -> checkpoint.shardOf(t).equals(shard))
                            .forEach(indexed::add);
                    Set<String> held = new TreeSet<>(file.tensorNames());
                    Set<String> notIndexed = new TreeSet<>(held);
                    notIndexed.removeAll(indexed);
                    if (!notIndexed.isEmpty()) {
                        problems.add(shard + " holds " + notIndexed.size() + " tensor(s) the index does not map to"
                                + " it, e.g. " + notIndexed.iterator().next());
                    }
                    if (!"pt".equals(file.metadata().get("format"))) {
                        problems.add(shard + " has metadata format = " + file.metadata().get("format")
                                + " (transformers needs pt)");
                    }
                }
            }
        }
        problems.addAll(CheckpointValidator.problems(config, infos));
        String expected = switch (torchDtype) {
            case "float32" -> "F32";
            case "float16" -> "F16";
            case "bfloat16" -> "BF16";
            default -> null;
        };
        if (expected == null) {
            problems.add("config.json torch_dtype = '" + torchDtype + "' is not float32, float16 or bfloat16");
        } else {
            infos.values().stream().filter(i -> !i.dtype().name().equals(expected)).findFirst().ifPresent(i ->
                    problems.add(i.name() + " is " + i.dtype() + ", config.json torch_dtype is " + torchDtype));
        }
        return new Report(folder, infos.size(), shards, problems);
    }
}
