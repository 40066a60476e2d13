package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.CalibrationRows;
import dev.rotcal.jobs.capture.CaptureActivationsStage;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.jobs.scales.RotatedInputsStage;
import dev.rotcal.jobs.scales.ScalesPass;
import dev.rotcal.jobs.scales.ScalesStage;
import dev.rotcal.jobs.tokens.CalibrationTokens;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.scales.ClipRatioSweep;
import dev.rotcal.scales.InputStatistics;
import dev.rotcal.scales.KvCacheScales;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearInput;
import dev.rotcal.quant.IntScheme;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scales statistics and the scales stage on local Spark over the demo model (4 windows × 64 tokens, all four
 * weight methods): the capture stage's merged per-layer statistics against a single-machine computation on the
 * driver (the same blocks run through {@link DecoderLayer}, every input's Σ XᵀX, per-channel max |x| and clip
 * sweeps summed here), and the statistics and the published layer files with the windows in 1 block on 1 partition
 * against 4 blocks on 4 partitions.
 */
/**
 * The scales stage on local Spark over the demo model (4 scales windows × 64 tokens, rtn, gptq, nvfp4 and mxfp4): the
 * pass's merged per-layer statistics of the rotated model (R1 = I, inputs from the float model) against a
 * single-machine computation on the driver (the same windows run through {@link DecoderLayer}, the inputs rotated by
 * R2 / R3 / R4 as the rotated model sees them, every input's Σ XᵀX, per-channel max |x| and clip sweeps summed here);
 * the published layer files with the windows in 1 block on 1 partition against 4 blocks on 4 partitions; and the
 * sequential pass (layer l's inputs through the GPTQ weights of layers &lt; l) against the float-input one.
 */
class DistributedScalesTest {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedScalesTest.class);
    private static final int SEQUENCES = 4;
    private static final int SEQ_LEN = 64;
    private static final int BLAS_THREADS = 1;
    private static final StorageLevel LEVEL = StorageLevel.MEMORY_AND_DISK_SER();

    @TempDir
    static Path dir;
    static JavaSparkContext sc;
    static RotcalSettings settings;
    static ModelConfig config;
    static DecoderShape shape;
    static ModelSource source;
    static Path model;
    static CalibrationTokens tokens;
    static Map<RotatedInputsStage.Key, InputStatistics> rhSweeps;
    /** The float-input pass over 4 blocks with R1 = a random Hadamard (seed 7), run once for two tests. */
    static Map<String, Tensor> floatFourFiles;
    static final Map<Integer, LayerStatistics> FLOAT_FOUR_STATISTICS = new TreeMap<>();

    private static synchronized Map<String, Tensor> floatFour() throws Exception {
        if (floatFourFiles == null) {
            floatFourFiles = scaleFiles("four", tokens.scalesBlocks(4), RandomizedHadamard.matrix(shape.hidden(), 7),
                    settings, FLOAT_FOUR_STATISTICS::put);
        }
        return floatFourFiles;
    }

    @BeforeAll
    static void startSparkAndSweepTheCalibrationRows() throws Exception {
        model = DemoRuns.writeDemoModel(dir);
        settings = settings("float");
        HadoopStorage storage = HadoopStorage.of(Map.of());
        byte[] configJson = Files.readAllBytes(model.resolve(DemoModel.CONFIG_JSON));
        config = ModelConfig.parse("demo config.json", configJson);
        shape = DecoderShape.of(config);
        tokens = CalibrationTokens.load(storage, settings.data(), "", config.vocabSize(), 4, SEQUENCES);
        assertThat(tokens.scalesBlocks(4)).hasSize(4);
        assertThat(tokens.scalesBlocks(1)).hasSize(1);
        assertThat(tokens.scales().tokens()).as("the scales stage has windows of its own")
                .isNotEqualTo(tokens.windows().tokens());

        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("DistributedScalesTest")
                .set("spark.ui.enabled", "false"));
        source = new ModelSource(new StorageCheckpointDirectory(storage, settings.model().uri()), configJson);
        CaptureActivationsStage.Result captured = CaptureActivationsStage.run(sc, source, config.numHiddenLayers(),
                tokens.blocks(), BLAS_THREADS, LEVEL);
        JavaRDD<ActivationChunk> rows = CalibrationRows.distribute(sc, captured.rows(), SEQUENCES * SEQ_LEN, 4,
                LEVEL);
        rhSweeps = RotatedInputsStage.run(sc, rows, Map.of(ScalesStage.RANDOM_HADAMARD,
                toFloat(RandomizedHadamard.matrix(shape.hidden(), 1))), shape.hidden(),
                settings.scales().activationBits(), BLAS_THREADS);
        rows.unpersist(false);
    }

    private static RotcalSettings settings(String gptqInputs) {
        return new SettingsLoader().load(List.of(), DemoRuns.overrides("scales", model.toUri().toString(),
                dir.resolve("out").toUri().toString(), SEQUENCES, SEQ_LEN, 4, 2,
                "rotcal.scales.weight-methods=[rtn, gptq, nvfp4, mxfp4]", "rotcal.scales.sequences=" + SEQUENCES,
                "rotcal.scales.gptq-inputs=" + gptqInputs));
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.close();
        }
    }

    @Test
    void mergedStatisticsEqualASingleMachineComputationOnTheSameWindows() throws Exception {
        List<TokenBlock> blocks = tokens.scalesBlocks(4);
        RotatedInputsReference reference = RotatedInputsReference.of(model, config, blocks, BLAS_THREADS);
        double[] identity = new double[shape.hidden() * shape.hidden()];
        for (int i = 0; i < shape.hidden(); i++) {
            identity[i * shape.hidden() + i] = 1;
        }
        Map<Integer, LayerStatistics> merged = new TreeMap<>();
        scaleFiles("identity", blocks, identity, settings, merged::put);
        assertThat(merged).hasSize(config.numHiddenLayers());
        double worst = 0;
        for (int layer = 0; layer < merged.size(); layer++) {
            LayerStatistics stats = merged.get(layer);
            assertThat(stats.layer()).isEqualTo(layer);
            for (LinearInput input : LinearInput.values()) {
                String what = String.format("layer %d %s", layer, input.key());
                InputStatistics s = stats.input(input);
                float[] rows = reference.rows(layer, input);
                int width = s.width();
                assertThat(s.rows()).as("%s: every token", what).isEqualTo((long) SEQUENCES * SEQ_LEN);
                // the rotated model's forward (R2 in v_proj, R3 / R4 online) and the float forward with the
                // Hadamards applied afterwards agree to float rounding
                double hessianDifference = relativeDifference(toDouble(s.hessian().sumOfOuterProducts()),
                        gram(rows, SEQUENCES * SEQ_LEN, width));
                worst = Math.max(worst, hessianDifference);
                assertThat(hessianDifference).as("%s: merged Σ XᵀX equals the single-machine sum", what)
                        .isLessThan(1e-5);
                assertThat(relativeDifference(toDouble(s.channelAbsMax()), toDouble(channelAbsMax(rows, width))))
                        .as("%s: per-channel max |x|", what).isLessThan(1e-5);
                double[] sweep = ClipRatioSweep.errors(rows, SEQUENCES * SEQ_LEN, width,
                        IntScheme.perRow(settings.scales().activationBits(), false, 1f), ClipRatioSweep.dfrotRatios());
                assertThat(relativeDifference(s.sweep().errors(), sweep)).as("%s: clip sweep", what)
                        .isLessThan(1e-4);
            }
            IntScheme kv = KvCacheScales.scheme(settings.scales().kvBits(), shape.headDim());
            int n = SEQUENCES * SEQ_LEN;
            double[] keys = ClipRatioSweep.errors(reference.keys(layer), n, shape.kvWidth(), kv,
                    ClipRatioSweep.dfrotRatios());
            double[] values = ClipRatioSweep.errors(reference.values(layer), n, shape.kvWidth(), kv,
                    ClipRatioSweep.dfrotRatios());
            assertThat(relativeDifference(stats.kvSweeps().key().errors(), keys)).as("layer %d K sweep", layer)
                    .isLessThan(1e-4);
            assertThat(relativeDifference(stats.kvSweeps().value().errors(), values)).as("layer %d V sweep", layer)
                    .isLessThan(1e-4);
        }
        LOG.info("pass vs single machine: worst Σ XᵀX difference {}", worst);
    }

    @Test
    void oneBlockOnOnePartitionAgreesWithFourOnFour() throws Exception {
        double[] r1 = RandomizedHadamard.matrix(shape.hidden(), 7);
        Map<String, Tensor> filesOne = scaleFiles("one", tokens.scalesBlocks(1), r1, settings, null);
        Map<String, Tensor> filesFour = floatFour();
        assertThat(filesOne.keySet()).as("the same tensors in the layer files").isEqualTo(filesFour.keySet());
        // Everything derived from the weights, the Hessians (GPTQ), the clip sweeps and the KV sweeps must be bit
        // for bit the same. The one exception is an activation's NVFP4 input_scale = max |x| / (6·448): max |x| is a
        // single float of the float32 forward, which a block of 4 windows and 4 blocks of 1 may round differently.
        int identical = 0;
        int inputScales = 0;
        for (Map.Entry<String, Tensor> e : filesFour.entrySet()) {
            Tensor a = filesOne.get(e.getKey());
            Tensor b = e.getValue();
            assertThat(a.shape()).as(e.getKey()).isEqualTo(b.shape());
            assertThat(a.dtype()).as(e.getKey()).isEqualTo(b.dtype());
            if (Arrays.equals(bytesOf(a), bytesOf(b))) {
                identical++;
                continue;
            }
            LOG.info("{} differs between 1 and 4 blocks: {}", e.getKey(), describeDifference(a, b));
            assertThat(e.getKey()).as("only an activation's max |x| may differ by rounding")
                    .endsWith(".nvfp4.input_scale");
            assertThat(relativeDifference(toDouble(a.floats()), toDouble(b.floats()))).as(e.getKey())
                    .isLessThan(1e-6);
            inputScales++;
        }
        LOG.info("1 vs 4 blocks: {} of {} layer-file tensors bit-identical, {} input scales within rounding",
                identical, filesFour.size(), inputScales);
        assertThat(identical + inputScales).isEqualTo(filesFour.size());
        assertThat(filesFour).as("6 layers × (7 linears × 9 method tensors + 4 inputs × 2 + K, V)")
                .hasSize(config.numHiddenLayers() * (7 * 9 + 4 * 2 + 2));
    }

    @Test
    void theSequentialPassFeedsEachLayerTheGptqWeightsOfTheLayersBefore() throws Exception {
        double[] r1 = RandomizedHadamard.matrix(shape.hidden(), 7);
        List<TokenBlock> blocks = tokens.scalesBlocks(4);
        Map<String, Tensor> floatFiles = floatFour();
        Map<Integer, LayerStatistics> floatStats = FLOAT_FOUR_STATISTICS;
        Map<Integer, LayerStatistics> sequentialStats = new TreeMap<>();
        Map<String, Tensor> sequentialFiles = scaleFiles("sequential", blocks, r1, settings("sequential"),
                sequentialStats::put);
        assertThat(sequentialFiles.keySet()).isEqualTo(floatFiles.keySet());
        for (Map.Entry<String, Tensor> e : floatFiles.entrySet()) {
            String name = e.getKey();
            boolean same = Arrays.equals(bytesOf(e.getValue()), bytesOf(sequentialFiles.get(name)));
            if (name.startsWith("0/")) {
                assertThat(same).as("%s: layer 0 sees the same inputs either way", name).isTrue();
            } else if (name.contains(".rtn.") || name.contains(".mxfp4.") || name.contains(".nvfp4.weight")) {
                assertThat(same).as("%s: weight-only methods do not depend on the inputs", name).isTrue();
            }
        }
        for (int layer = 1; layer < config.numHiddenLayers(); layer++) {
            assertThat(Arrays.equals(bytesOf(floatFiles.get(layer + "/model.layers." + layer
                            + ".mlp.down_proj.gptq.weight_packed")),
                    bytesOf(sequentialFiles.get(layer + "/model.layers." + layer + ".mlp.down_proj.gptq.weight_packed"))))
                    .as("layer %d's GPTQ codes come from other Hessians", layer).isFalse();
            double h = relativeDifference(
                    toDouble(sequentialStats.get(layer).input(LinearInput.ATTN_IN).hessian().sumOfOuterProducts()),
                    toDouble(floatStats.get(layer).input(LinearInput.ATTN_IN).hessian().sumOfOuterProducts()));
            LOG.info("layer {}: attn_in Σ XᵀX sequential vs float inputs differ by {}", layer, h);
            assertThat(h).as("layer %d's inputs come through quantized layers", layer).isGreaterThan(1e-4);
        }
        assertThat(relativeDifference(
                toDouble(sequentialStats.get(0).input(LinearInput.DOWN_PROJ_IN).hessian().sumOfOuterProducts()),
                toDouble(floatStats.get(0).input(LinearInput.DOWN_PROJ_IN).hessian().sumOfOuterProducts()))).isZero();
    }

    /**
     * The layer files of the scales pass over {@code blocks} with R1 = {@code r1}, read back from the staging area:
     * layer/tensor → tensor.
     */
    private static Map<String, Tensor> scaleFiles(String runId, List<TokenBlock> blocks, double[] r1,
                                                  RotcalSettings run, ScalesPass.Observer observer) throws Exception {
        Map<String, Tensor> tensors = new TreeMap<>();
        try (LocalStorage storage = new LocalStorage();
             ArtifactPublisher publisher = ArtifactPublisher.begin(storage,
                     new ArtifactLayout(dir.resolve("out").toUri().toString(), "demo", runId), false)) {
            ScalesPass.run(sc, source, config, blocks, r1, rhSweeps, run.scales(), BLAS_THREADS, LEVEL, publisher,
                    observer);
            for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
                Path file = Path.of(URI.create(publisher.stagingUri() + "/" + ArtifactLayout.layerFile(layer)));
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    for (String name : f.tensorNames()) {
                        tensors.put(layer + "/" + name, f.read(name));
                    }
                }
            }
        }
        return tensors;
    }

    /** Σ XᵀX of (n, width) rows in double: one dgemm over all rows (the stage sums one per block). */
    private static double[] gram(float[] rows, int n, int width) {
        double[] x = toDouble(rows);
        double[] g = new double[width * width];
        DenseLinearAlgebra.gemm(true, false, width, width, n, 1.0, x, x, 0.0, g);
        return g;
    }

    private static float[] channelAbsMax(float[] rows, int width) {
        float[] m = new float[width];
        for (int i = 0; i < rows.length; i++) {
            m[i % width] = Math.max(m[i % width], Math.abs(rows[i]));
        }
        return m;
    }

    /** max |a − b| / max |b|. */
    private static double relativeDifference(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        assertThat(scale).as("something to compare").isPositive();
        return diff / scale;
    }

    private static byte[] bytesOf(Tensor t) {
        Object v = t.values();
        if (v instanceof byte[] b) {
            return b;
        }
        java.nio.ByteBuffer buf;
        if (v instanceof float[] f) {
            buf = java.nio.ByteBuffer.allocate(4 * f.length);
            buf.asFloatBuffer().put(f);
        } else if (v instanceof int[] i) {
            buf = java.nio.ByteBuffer.allocate(4 * i.length);
            buf.asIntBuffer().put(i);
        } else {
            throw new IllegalArgumentException("unexpected tensor values " + v.getClass());
        }
        return buf.array();
    }

    private static String describeDifference(Tensor a, Tensor b) {
        byte[] x = bytesOf(a);
        byte[] y = bytesOf(b);
        int differing = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] != y[i]) {
                differing++;
            }
        }
        String detail = "";
        if (a.values() instanceof float[] f && b.values() instanceof float[] g) {
            detail = ", max relative difference " + relativeDifference(toDouble(f), toDouble(g));
        }
        return differing + " of " + x.length + " bytes" + detail;
    }

    private static float[] toFloat(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    private static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }
}
