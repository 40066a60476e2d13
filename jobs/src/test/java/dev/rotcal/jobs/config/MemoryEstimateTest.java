package dev.rotcal.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.model.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MemoryEstimateTest {
    private static final String LLAMA3_8B = """
            {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 4096,
             "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
             "num_hidden_layers": 4, "vocab_size": 128256, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
             "max_position_embeddings": 8192, "tie_word_embeddings": false, "torch_dtype": "bfloat16"}
            """;
    private static final long GIB = 1L << 30;

    private static RotcalSettings settings(String... overrides) {
        List<String> sets = new java.util.ArrayList<>(List.of("rotcal.model.uri=\"file:/tmp/m\"",
                "rotcal.data.uri=\"file:/tmp/m/t.npy\"", "rotcal.data.sequences=1", "rotcal.scales.sequences=8"));
        sets.addAll(List.of(overrides));
        return new SettingsLoader().load(List.of(), sets);
    }

    private static Map<String, MemoryEstimate.Stage> stages(RotcalSettings settings, int partitions) {
        ModelConfig config = ModelConfig.parse("llama3-8b", LLAMA3_8B.getBytes(StandardCharsets.UTF_8));
        return MemoryEstimate.of(config, settings, partitions).stages().stream()
                .collect(Collectors.toMap(MemoryEstimate.Stage::name, s -> s));
    }

    private static long statisticsTask(Map<String, MemoryEstimate.Stage> stages) {
        return stages.get("scales").phases().stream().filter(p -> p.name().equals("statistics")).findFirst()
                .orElseThrow().perTask();
    }

    @Test
    void gptqAtLlama3EightBWidthsIsDominatedByTheDownProjHessian() {
        Map<String, MemoryEstimate.Stage> rtn = stages(settings("rotcal.scales.weight-methods=[rtn]"), 2);
        Map<String, MemoryEstimate.Stage> gptq = stages(settings("rotcal.scales.weight-methods=[rtn, gptq]"), 2);
        long hessians = 4L * (2L * 4096 * 4096 + 4096L * 4096 + 14336L * 14336); // float32, as gptq.py
        assertThat(gptq.get("capture").taskHeap()).as("the capture keeps DFRot's rows only")
                .isEqualTo(rtn.get("capture").taskHeap());
        // the scales pass's task holds the block's Hessians
        assertThat(statisticsTask(gptq) - statisticsTask(rtn)).isGreaterThanOrEqualTo(hessians);
        assertThat(gptq.get("scales").taskHeap()).as("down_proj's H assembled")
                .isGreaterThan(4L * 14336 * 14336);
        assertThat(gptq.get("scales").taskNative()).as("GPTQ's U of down_proj in float32, as gptq.py's")
                .isEqualTo(4L * 14336 * 14336);
        assertThat(gptq.get("scales").detail()).contains("14336²");
        // R, C, the solve's workspace (10: dgesdd's), R's broadcast (2), two partials arriving serialized (4), the
        // empty one
        assertThat(gptq.get("refine").driverHeap()).isEqualTo(17L * 8 * 4096 * 4096);
        assertThat(gptq.get("scales").driverHeap()).as("one layer's file, not all layers' statistics")
                .isLessThan(GIB);
    }

    @Test
    void aLlama3SeventyBLayerIsHeldOnceAndItsRotationMeetsNoStatistics() {
        String seventy = LLAMA3_8B.replace("\"hidden_size\": 4096", "\"hidden_size\": 8192")
                .replace("\"intermediate_size\": 14336", "\"intermediate_size\": 28672")
                .replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 64")
                .replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 1");
        ModelConfig config = ModelConfig.parse("70b", seventy.getBytes(StandardCharsets.UTF_8));
        MemoryEstimate.Stage scales = MemoryEstimate.of(config, settings("rotcal.scales.weight-methods=[rtn, gptq]"),
                1).stages().stream().filter(s -> s.name().equals("scales")).findFirst().orElseThrow();
        long layer = 4L * (8192L * 8192 * 2 + 2L * 8192 * 1024 + 3L * 8192 * 28672);
        assertThat(scales.nativeBytes()).as("one rotated layer in native memory, no twin beside it").isEqualTo(layer);
        assertThat(scales.taskNative()).as("GPTQ's U of down_proj in float32").isEqualTo(4L * 28672 * 28672);
        MemoryEstimate.Phase inSolve = scales.phases().stream().filter(p -> p.name().equals("rotation in a solve"))
                .findFirst().orElseThrow();
        assertThat(inSolve.clusterOnly()).as("in local mode the pass's JVM already holds the layer").isTrue();
        assertThat(scales.heapFor(1, false)).as("on a cluster a solve task may wait for the rotation with its Hessian")
                .isGreaterThanOrEqualTo(inSolve.shared() + inSolve.perTask());
        // the largest projection read + rotated (the products in double chunks), R1's three copies and the
        // persisted windows; the statistics task's Hessians never meet the rotation
        MemoryEstimate.Phase rotation = scales.phases().stream().filter(p -> p.name().equals("rotation"))
                .findFirst().orElseThrow();
        // one projection at a time: gate_proj (28672, 8192) as read and as rotated
        assertThat(rotation.shared()).isEqualTo(2L * 4 * 28672 * 8192 + 2L * 8 * 8192 * 1024 + 3L * 8 * 8192 * 8192
                + 4L * 8 * 2048 * 8192);
        assertThat(rotation.perTask()).as("a task waits for the layer holding its block only").isLessThan(GIB);
        assertThat(scales.heapFor(1, true)).isGreaterThanOrEqualTo(rotation.shared() + rotation.perTask());
        MemoryBudget.Available defaultHeap = new MemoryBudget.Available(true, 17 * GIB, 1, 17 * GIB, 6 * GIB);
        assertThatThrownBy(() -> MemoryBudget.check(MemoryEstimate.of(config, settings(
                "rotcal.scales.weight-methods=[rtn, gptq]"), 1), defaultHeap))
                .as("GPTQ's U and the layer do not fit beside a 17 GiB heap on 23 GiB; an 11 GiB heap fits both (the driver joins the layer file in chunks)")
                .isInstanceOf(ResourceException.class).hasMessageStartingWith("Cannot run the scales stage: it needs")
                .hasMessageContaining("set ROTCAL_JAVA_OPTS=-Xmx11g")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        MemoryBudget.Available machine = new MemoryBudget.Available(true, 13 * GIB, 1, 13 * GIB, 10 * GIB);
        MemoryBudget.check(MemoryEstimate.of(config, settings("rotcal.scales.weight-methods=[rtn, gptq]",
                "rotcal.evaluate.enabled=false"), 1), machine);
    }

    @Test
    void theDriverDoesNotGrowWithTheNumberOfLayers() {
        ModelConfig four = ModelConfig.parse("4", LLAMA3_8B.getBytes(StandardCharsets.UTF_8));
        ModelConfig thirtyTwo = ModelConfig.parse("32", LLAMA3_8B.replace("\"num_hidden_layers\": 4",
                "\"num_hidden_layers\": 32").getBytes(StandardCharsets.UTF_8));
        RotcalSettings s = settings("rotcal.scales.weight-methods=[rtn, gptq]");
        List<MemoryEstimate.Stage> a = MemoryEstimate.of(four, s, 2).stages();
        List<MemoryEstimate.Stage> b = MemoryEstimate.of(thirtyTwo, s, 2).stages();
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).driverHeap()).as(a.get(i).name()).isEqualTo(a.get(i).driverHeap());
        }
    }

    @Test
    void aLocalJvmTooSmallIsRefusedInOneLineNamingStageNeedAndSetting() {
        MemoryEstimate estimate = MemoryEstimate.of(ModelConfig.parse("8b",
                LLAMA3_8B.getBytes(StandardCharsets.UTF_8)), settings("rotcal.scales.weight-methods=[rtn, gptq]"), 2);
        MemoryBudget.Available small = new MemoryBudget.Available(true, 4 * GIB, 2, 4 * GIB, 16 * GIB);
        assertThatThrownBy(() -> MemoryBudget.check(estimate, small)).isInstanceOf(ResourceException.class)
                .hasMessageStartingWith("Cannot run the scales stage: 2 task(s)")
                .hasMessageContaining("-Xmx").hasMessageContaining("ROTCAL_JAVA_OPTS")
                .hasMessageContaining("14336²")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        MemoryBudget.Available enough = new MemoryBudget.Available(true, 20 * GIB, 2, 20 * GIB, 8 * GIB);
        MemoryBudget.check(estimate, enough);
    }

    @Test
    void smallExecutorsOnAClusterAreRefusedNamingSparkExecutorMemory() {
        MemoryEstimate estimate = MemoryEstimate.of(ModelConfig.parse("8b",
                LLAMA3_8B.getBytes(StandardCharsets.UTF_8)), settings("rotcal.scales.weight-methods=[rtn, gptq]"), 16);
        MemoryBudget.Available cluster = new MemoryBudget.Available(false, 8 * GIB, 4, 4 * GIB, 2 * GIB);
        assertThatThrownBy(() -> MemoryBudget.check(estimate, cluster)).isInstanceOf(ResourceException.class)
                .hasMessageContaining("per executor need").hasMessageContaining("spark.executor.memory");
    }

    @Test
    void localCoresComeFromTheMaster() {
        assertThat(MemoryBudget.Available.localCores("local[2]")).isEqualTo(2);
        assertThat(MemoryBudget.Available.localCores("local")).isEqualTo(1);
        assertThat(MemoryBudget.Available.localCores("local[3, 2]")).isEqualTo(3);
        assertThat(MemoryBudget.Available.localCores("local[*]"))
                .isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
