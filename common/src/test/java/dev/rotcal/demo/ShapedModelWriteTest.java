package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.TensorInfo;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shaped model folder at test widths (Qwen2's config keys and biases, 896 wide, 3 layers, shards of ≤ 8 MiB so
 * that there are several): byte-identical on two writes, sharded as transformers shards, read back exactly by
 * rotcal's Checkpoint (index, shards, readFloats, readRows), and its token files as described.
 */
class ShapedModelWriteTest {
    @TempDir
    static Path tmp;
    static Path model;
    static final ShapedModelSpec SPEC = ShapedModelSpec.of(ModelShape.QWEN2_7B, 3)
            .withWidths(ShapedMassiveActivationsTest.narrow(ModelShape.QWEN2_7B)).withWindows(3, 2, 256)
            .withMaxShardBytes(8L << 20);
    static ShapedModel.Written written;

    @BeforeAll
    static void write() {
        model = tmp.resolve("qwen2");
        written = ShapedModel.write(model, SPEC);
    }

    @Test
    void twoWritesGiveIdenticalBytes() throws IOException {
        Path again = tmp.resolve("again");
        ShapedModel.write(again, SPEC);
        List<String> files = list(model);
        assertThat(files).as("the folder's files").isEqualTo(list(again)).containsAll(written.files().keySet())
                .hasSize(written.files().size());
        for (String file : files) {
            assertThat(Files.readAllBytes(again.resolve(file))).as("%s is byte-identical for the same spec", file)
                    .isEqualTo(Files.readAllBytes(model.resolve(file)));
        }
        Path otherSeed = tmp.resolve("seed7");
        ShapedModel.write(otherSeed, SPEC.withSeed(7));
        assertThat(Files.readAllBytes(otherSeed.resolve(written.files().keySet().iterator().next())))
                .as("another seed, other weights")
                .isNotEqualTo(Files.readAllBytes(model.resolve(written.files().keySet().iterator().next())));
    }

    @Test
    void shardsAndIndexAreAsTransformersWritesThem() throws IOException {
        JsonNode index = new ObjectMapper().readTree(model.resolve(Checkpoint.INDEX_FILE).toFile());
        Map<String, String> weightMap = new TreeMap<>();
        index.get("weight_map").fields().forEachRemaining(e -> weightMap.put(e.getKey(), e.getValue().asText()));
        List<String> shards = weightMap.values().stream().distinct().sorted().toList();
        assertThat(shards).as("several shards, named k-of-N").hasSizeGreaterThan(3).allMatch(name -> name.matches(
                "model-\\d{5}-of-" + String.format("%05d", shards.size()) + "\\.safetensors"));
        assertThat(shards).as("every shard named in the index exists and nothing else").isEqualTo(list(model).stream()
                .filter(f -> f.startsWith("model-")).toList()).hasSize(written.shards());
        long total = 0;
        for (String shard : shards) {
            try (SafetensorsFile file = SafetensorsFile.open(model.resolve(shard))) {
                long data = file.header().dataSize();
                total += data;
                assertThat(data <= SPEC.maxShardBytes() || file.tensorNames().size() == 1)
                        .as("%s holds ≤ %d bytes of data unless it is one tensor", shard, SPEC.maxShardBytes())
                        .isTrue();
                assertThat(file.header().dataStart() % 8).as("%s: data starts at a multiple of 8", shard).isZero();
                assertThat(file.metadata()).as("%s metadata", shard).isEqualTo(Map.of("format", "pt"));
                assertThat(new ArrayList<>(file.tensorNames())).as("%s: the index maps its tensors to it", shard)
                        .isEqualTo(weightMap.entrySet().stream().filter(e -> e.getValue().equals(shard))
                                .map(Map.Entry::getKey).toList());
                assertThat(Files.size(model.resolve(shard))).as("%s: header + data, nothing else", shard)
                        .isEqualTo(file.header().dataStart() + data);
            }
        }
        assertThat(index.get("metadata").get("total_size").asLong()).as("total_size = all tensor data bytes")
                .isEqualTo(total).isEqualTo(written.weightBytes());
        assertThat(weightMap.get("model.embed_tokens.weight")).as("model order: the embedding lands in the first"
                + " shard").isEqualTo(shards.get(0));
        assertThat(weightMap.get("lm_head.weight")).as("… and lm_head in the last")
                .isEqualTo(shards.get(shards.size() - 1));
    }

    @Test
    void rotcalsReaderOpensTheShardsAndReadsBackEveryWeight() {
        ModelConfig config = ModelConfig.read(model.resolve(ShapedModel.CONFIG_JSON));
        ShapedWeights weights = new ShapedWeights(ShapedMechanism.of(SPEC));
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            assertThat(checkpoint.isSharded()).as("read through model.safetensors.index.json").isTrue();
            assertThatCode(() -> CheckpointValidator.validate(config, checkpoint)).as("every tensor present with the"
                    + " shape config.json implies").doesNotThrowAnyException();
            Map<String, TensorInfo> infos = checkpoint.infos();
            assertThat(infos.values()).as("all BF16").allSatisfy(i -> assertThat(i.dtype())
                    .isEqualTo(SafetensorsDtype.BF16));
            List<TensorSource> sources = weights.tensors();
            assertThat(infos.keySet()).as("exactly the generated tensors")
                    .containsExactlyInAnyOrderElementsOf(sources.stream().map(TensorSource::name).toList());
            for (TensorSource source : sources) {
                assertThat(checkpoint.readFloats(source.name())).as("%s read back", source.name())
                        .isEqualTo(ShapedWeights.floats(source));
            }
            int[] rows = {0, SPEC.shape().newlineTokenId(), config.vocabSize() - 1, 5, 5};
            assertThat(checkpoint.readRows(config.layout().embedTokens(), rows)).as("embedding rows by token id")
                    .isEqualTo(weights.embeddingRows(rows));
            assertThat(config.numHiddenLayers()).isEqualTo(3);
        }
    }

    @Test
    void tokenFilesHoldWindowsWithDelimitersNeverFirst() {
        int delimiter = SPEC.shape().newlineTokenId();
        for (String file : List.of(ShapedModel.CALIBRATION_NPY, ShapedModel.EVALUATION_NPY)) {
            int[] ids = new NpyTokenSource().read(InputFile.local(model.resolve(file))).checkVocabulary(
                    SPEC.widths().vocab()).ids();
            int windows = file.equals(ShapedModel.CALIBRATION_NPY) ? SPEC.calibrationWindows()
                    : SPEC.evaluationWindows();
            assertThat(ids).as("%s: windows × window tokens", file).hasSize(windows * SPEC.windowTokens());
            for (int w = 0; w < windows; w++) {
                int[] window = Arrays.copyOfRange(ids, w * SPEC.windowTokens(), (w + 1) * SPEC.windowTokens());
                assertThat(window[0]).as("%s window %d: no delimiter at position 0", file, w).isNotEqualTo(delimiter);
                assertThat(Arrays.stream(window).filter(t -> t == delimiter).count())
                        .as("%s window %d delimiters", file, w)
                        .isEqualTo(ShapedTokens.delimitersPerWindow(SPEC.windowTokens()));
            }
            assertThat(Arrays.stream(ids).distinct().count()).as("%s: random ids over the vocabulary", file)
                    .isGreaterThan(ids.length / 3);
        }
        assertThat(written.calibrationDelimiters()).isEqualTo(3);
        assertThat(ShapedTokens.delimitersPerWindow(2048)).as("two per 2048 tokens").isEqualTo(2);
        assertThat(ShapedTokens.delimitersPerWindow(4096)).isEqualTo(4);
    }

    @Test
    void mechanismFileNamesWhatWasPlanted() throws IOException {
        JsonNode json = new ObjectMapper().readTree(model.resolve(ShapedModel.MECHANISM_JSON).toFile());
        ShapedMechanism m = written.mechanism();
        assertThat(json.get("shape").asText()).isEqualTo("qwen2-7b");
        assertThat(json.get("planted_layer").asInt()).isEqualTo(1);
        assertThat(json.get("first_token_massive").asBoolean()).isTrue();
        assertThat(json.get("delimiter_token_id").asInt()).as("Qwen2's \"\\n\"").isEqualTo(198);
        assertThat(json.get("massive_channels").toString()).as("2533 and 1415 scaled to 896 wide")
                .isEqualTo(Arrays.toString(m.channels().massive()).replace(" ", "")).isEqualTo("[554,309]");
        assertThat(json.get("first_token_values").toString()).isEqualTo("[767.6,-458.55]");
        assertThat(json.get("delimiter_values").toString()).isEqualTo("[2546.8,-1502.0]");
        assertThat(json.get("code_min_distance").asInt()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void aFolderWithASingleFileModelIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("has-single"));
        Files.writeString(dir.resolve(Checkpoint.SINGLE_FILE), "x");
        assertThatThrownBy(() -> ShapedModel.write(dir, SPEC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot write a sharded model into " + dir + ": it holds model.safetensors, which readers"
                        + " would take instead of the shards (remove it or choose another folder)");
    }

    @Test
    void anEarlierWritesShardsAreReplaced() throws IOException {
        Path dir = tmp.resolve("rewrite");
        ShapedModel.write(dir, SPEC);
        ShapedModel.Written fewer = ShapedModel.write(dir, SPEC.withMaxShardBytes(1L << 30));
        assertThat(list(dir).stream().filter(f -> f.startsWith("model-")).toList()).as("only the new shard")
                .containsExactly("model-00001-of-00001.safetensors");
        assertThat(fewer.shards()).isEqualTo(1);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
