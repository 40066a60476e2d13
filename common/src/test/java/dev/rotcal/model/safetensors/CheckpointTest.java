package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.model.TestFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-file and sharded checkpoints; the sharded one is tiny-llama3 split by this test. */
class CheckpointTest {
    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path tmp;

    private Path single;
    private Map<String, Tensor> all; // every tensor of the fixture, by name

    @BeforeEach
    void readFixture() {
        single = TestFixtures.dir(TestFixtures.TINY_LLAMA3);
        try (Checkpoint checkpoint = Checkpoint.open(single)) {
            all = checkpoint.readWithPrefix("");
        }
    }

    /** Layer 1, the final norm and lm_head go to shard 2, the rest to shard 1, as HF splits by size. */
    private static String shardFor(String name) {
        return name.startsWith("model.layers.1.") || name.equals("model.norm.weight")
                || name.equals("lm_head.weight") ? SHARD_2 : SHARD_1;
    }

    /** Writes the two shards and the index (with {@code weightMapJson} replacing the real map if given). */
    private Path sharded(String indexJson) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Map<String, List<Tensor>> byShard = all.values().stream()
                .collect(Collectors.groupingBy(t -> shardFor(t.name()), TreeMap::new, Collectors.toList()));
        byShard.forEach((shard, tensors) -> SafetensorsWriter.write(dir.resolve(shard), Map.of("format", "pt"),
                tensors));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), indexJson);
        return dir;
    }

    private String realIndex() {
        String map = all.keySet().stream().map(n -> "\"" + n + "\": \"" + shardFor(n) + "\"")
                .collect(Collectors.joining(", "));
        return "{\"metadata\": {\"total_size\": 205440}, \"weight_map\": {" + map + "}}";
    }

    @Test
    void aShardedCopyReadsIdenticallyToTheSingleFile() throws IOException {
        Path dir = sharded(realIndex());
        try (Checkpoint checkpoint = Checkpoint.open(dir); Checkpoint whole = Checkpoint.open(single)) {
            assertThat(checkpoint.isSharded()).as("index.json is used").isTrue();
            assertThat(whole.isSharded()).as("model.safetensors is one file").isFalse();
            assertThat(checkpoint.shardFiles()).as("both shards").containsExactly(SHARD_1, SHARD_2);
            assertThat(checkpoint.tensorNames()).as("same tensor names").isEqualTo(whole.tensorNames());
            assertThat(checkpoint.shardOf("model.layers.1.mlp.up_proj.weight")).as("resolved via the weight map")
                    .isEqualTo(SHARD_2);
            assertThat(checkpoint.infos().values()).as("shard headers give every tensor's dtype and shape")
                    .extracting(TensorInfo::name, TensorInfo::dtype, TensorInfo::shape)
                    .isEqualTo(whole.infos().values().stream().map(i -> org.assertj.core.groups.Tuple.tuple(
                            i.name(), i.dtype(), i.shape())).toList());
            for (String name : whole.tensorNames()) {
                assertThat(checkpoint.readFloats(name)).as("%s values", name).isEqualTo(whole.readFloats(name));
            }
            Map<String, Tensor> layer1 = checkpoint.readWithPrefix("model.layers.1.");
            assertThat(layer1).as("one layer's 9 tensors").hasSize(9);
            layer1.forEach((name, t) -> assertThat(t.floats()).as("%s by prefix", name)
                    .isEqualTo(all.get(name).floats()));
            Map<String, Tensor> mixed = checkpoint.read(List.of("lm_head.weight", "model.embed_tokens.weight"));
            assertThat(mixed.keySet()).as("a read across both shards, sorted by name")
                    .containsExactly("lm_head.weight", "model.embed_tokens.weight");
        }
    }

    @Test
    void singleFileIsPreferredAndNamesMissingTensors() throws IOException {
        Path dir = sharded(realIndex());
        Files.copy(single.resolve("model.safetensors"), dir.resolve(Checkpoint.SINGLE_FILE));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.isSharded()).as("like transformers, model.safetensors wins").isFalse();
            assertThatThrownBy(() -> checkpoint.read("model.layers.9.mlp.up_proj.weight")).as("absent tensor")
                    .isInstanceOf(CheckpointFormatException.class)
                    .hasMessage("Cannot find tensor model.layers.9.mlp.up_proj.weight in checkpoint " + dir + ": "
                            + "model.safetensors has no such tensor (it has 21 tensors; wrong checkpoint or model"
                            + " family?)");
            assertThatThrownBy(() -> checkpoint.readWithPrefix("model.layers.2.")).as("a layer that does not exist")
                    .hasMessage("Cannot read tensors with prefix model.layers.2. from checkpoint " + dir + ": no"
                            + " tensor name starts with it (it has 21 tensors)");
        }
    }

    @Test
    void rejectsAnIndexNamingAMissingShard() throws IOException {
        Path dir = sharded(realIndex());
        Files.delete(dir.resolve(SHARD_2));
        assertThatThrownBy(() -> Checkpoint.open(dir)).as("a shard is missing")
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage("Cannot open checkpoint " + dir + ": model.safetensors.index.json maps 11 tensors (e.g."
                        + " lm_head.weight) to shard " + SHARD_2 + ", which does not exist (incomplete download?)");
    }

    @Test
    void rejectsAnIndexThatDisagreesWithItsShard() throws IOException {
        Path dir = sharded(realIndex().replace("\"model.norm.weight\": \"" + SHARD_2,
                "\"model.norm.weight\": \"" + SHARD_1));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThatThrownBy(() -> checkpoint.read("model.norm.weight")).as("index says shard 1, shard 1 lacks it")
                    .isInstanceOf(CheckpointFormatException.class)
                    .hasMessage("Cannot read tensor model.norm.weight from checkpoint " + dir + ": model.safetensors"
                            + ".index.json maps it to " + dir.resolve(SHARD_1) + ", which has no such tensor (index"
                            + " and shards out of sync?)");
        }
    }

    @Test
    void rejectsMalformedIndexes() throws IOException {
        Path index = tmp.resolve("sharded").resolve(Checkpoint.INDEX_FILE);
        Path dir = sharded("{\"weight_map\": ");
        assertThatThrownBy(() -> Checkpoint.open(dir)).as("truncated JSON")
                .hasMessageStartingWith("Cannot read shard index " + index + ": not valid JSON: Unexpected end-of-input");
        Files.writeString(index, "{\"metadata\": {}}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Checkpoint.open(dir)).as("no weight_map")
                .hasMessage("Cannot read shard index " + index + ": weight_map is missing, expected a non-empty object"
                        + " of tensor name -> shard file");
        Files.writeString(index, "{\"weight_map\": {\"w\": \"../other/model.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).as("a path outside the directory")
                .hasMessage("Cannot read shard index " + index + ": weight_map maps tensor w to"
                        + " \"../other/model.safetensors\", expected the file name of a shard in the same directory");
        Files.writeString(index, "{\"weight_map\": {\"w\": 3}}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).as("a number instead of a file name")
                .hasMessageContaining("weight_map maps tensor w to 3");
    }

    @Test
    void rejectsADirectoryWithoutSafetensors() {
        assertThatThrownBy(() -> Checkpoint.open(tmp)).as("empty directory")
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage("Cannot open checkpoint " + tmp + ": it has neither model.safetensors nor"
                        + " model.safetensors.index.json (rotcal reads Hugging Face safetensors checkpoints; convert"
                        + " .bin/.pt weights first)");
    }
}
