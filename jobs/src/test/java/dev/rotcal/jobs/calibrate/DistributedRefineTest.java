package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.dfrot.DfrotRefiner;
import dev.rotcal.dfrot.InMemoryRows;
import dev.rotcal.dfrot.ProcrustesAccumulator;
import dev.rotcal.dfrot.WeightedRows;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.CalibrationRows;
import dev.rotcal.jobs.capture.CaptureActivationsStage;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.config.RefineSettings;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.io.StorageCheckpointDirectory;
import dev.rotcal.jobs.refine.DriverSolver;
import dev.rotcal.jobs.refine.RefineCheckpoint;
import dev.rotcal.jobs.refine.RefineStage;
import dev.rotcal.jobs.scan.ScanStage;
import dev.rotcal.jobs.tokens.CalibrationTokens;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * The refine stage on local Spark against the single-machine reference ({@link DfrotRefiner} over common's
 * {@link InMemoryRows}, see {@link ReferenceRows} for why per captured chunk) on the same captured rows and
 * massive set; and the stage against itself over other partitionings of the rows. The demo model's rows are
 * captured and scanned once for the class.
 */
class DistributedRefineTest {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedRefineTest.class);
    private static final int SEQUENCES = 4;
    private static final int SEQ_LEN = 256;
    private static final int ITERATIONS = 6;
    /** Rows per piece of the layout: one captured chunk (a block of 2 windows × 256 tokens, one layer and site). */
    private static final int MAX_ROWS = 512;
    private static final int DRIVER_THREADS = 2;
    private static final int BLAS_THREADS_PER_TASK = 1;
    private static final StorageLevel LEVEL = StorageLevel.MEMORY_AND_DISK_SER();

    @TempDir
    static Path dir;
    static JavaSparkContext sc;
    static RotcalSettings settings;
    static List<JavaRDD<ActivationChunk>> captured; // per layer, persisted; never handed to distribute itself
    static JavaRDD<ActivationChunk> fourPartitions;
    static ScanStage.Outcome scan;
    static int d;
    /** The refine stage on the 4-partition layout, the result the other tests compare with. */
    static DfrotRefiner.Result distributed;

    @BeforeAll
    static void captureScanAndRefineOnFourPartitions() throws Exception {
        Path model = DemoRuns.writeDemoModel(dir);
        settings = new SettingsLoader().load(List.of(), DemoRuns.overrides("distributed", model.toUri().toString(),
                dir.resolve("out").toUri().toString(), SEQUENCES, SEQ_LEN, 2, ITERATIONS));
        HadoopStorage storage = HadoopStorage.of(Map.of());
        byte[] configJson = Files.readAllBytes(model.resolve(DemoModel.CONFIG_JSON));
        ModelConfig config = ModelConfig.parse("demo config.json", configJson);
        d = config.hiddenSize();
        CalibrationTokens tokens = CalibrationTokens.load(storage, settings.data(), "", config.vocabSize(), 2);

        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("DistributedRefineTest")
                .set("spark.ui.enabled", "false"));
        ModelSource source = new ModelSource(new StorageCheckpointDirectory(storage, settings.model().uri()),
                configJson);
        captured = CaptureActivationsStage.run(sc, source, config.numHiddenLayers(), tokens.blocks(),
                BLAS_THREADS_PER_TASK, LEVEL).rows();
        fourPartitions = layout(4);
        scan = ScanStage.run(sc, fourPartitions, d, settings.massive(), settings.refine().alpha(),
                BLAS_THREADS_PER_TASK, Map.of(), settings.model().uri());
        distributed = sparkRefine(fourPartitions);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.close();
        }
    }

    @Test
    void theDistributedRefineEqualsTheReferenceRefinerOnTheSameRows() {
        List<ActivationChunk> chunks = new ArrayList<>(fourPartitions.collect());
        chunks.sort(CAPTURE_ORDER);
        ReferenceRows rows = new ReferenceRows(chunks, scan.massiveKeys(), settings.refine().alpha(), d);
        assertThat(rows.massiveCount()).as("the scan found massive rows to weight by alpha")
                .isEqualTo(scan.massiveKeys().length).isPositive();

        long start = System.nanoTime();
        DfrotRefiner reference = new DfrotRefiner(loop(settings.refine()));
        DfrotRefiner.Result expected = reference.refine(rows, DfrotRefiner.Start.fresh(reference.initialRotation(d)),
                (step, r) -> { });
        LOG.info("reference refine on {} rows ({} massive) in {} s", rows.count(), rows.massiveCount(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));

        double rDifference = maxAbsDifference(distributed.rotation(), expected.rotation());
        double lossDifference = maxRelativeDifference(distributed.lossCurve(), expected.lossCurve());
        LOG.info("distributed vs reference: max |ΔR| = {}, max relative loss difference = {}", rDifference,
                lossDifference);
        assertThat(distributed.history()).as("both ran every iteration").hasSameSizeAs(expected.history());
        assertThat(distributed.history()).as("each step's pass split into broadcast, executors and driver merge")
                .allSatisfy(step -> {
                    assertThat(step.pass()).isNotNull();
                    assertThat(step.pass().broadcast() + step.pass().tasks() + step.pass().merge()
                            + step.solveSeconds()).isPositive().isLessThanOrEqualTo(step.seconds() + 1e-9);
                    assertThat(step.pass().tasks()).isPositive();
                });
        assertThat(expected.history()).as("in-memory rows report no split").allSatisfy(step ->
                assertThat(step.pass()).isNull());
        assertThat(rDifference).as("R of the refine stage equals the reference's to 1e-4").isLessThan(1e-4);
        assertThat(lossDifference).as("the loss curves agree to 1e-4 relative").isLessThan(1e-4);
        assertThat(distributed.finalErrors().massiveRows()).as("the same rows are massive on both sides")
                .isEqualTo(expected.finalErrors().massiveRows());
        assertThat(expected.lossCurve()[ITERATIONS]).as("the refinement did something: the loss went down")
                .isLessThan(expected.lossCurve()[0]);
    }

    @Test
    void onePartitionAgreesWithFour() throws Exception {
        JavaRDD<ActivationChunk> onePartition = layout(1);
        assertThat(onePartition.getNumPartitions()).isEqualTo(1);
        assertThat(fourPartitions.getNumPartitions()).isEqualTo(4);

        DfrotRefiner.Result one = sparkRefine(onePartition);
        onePartition.unpersist(false);

        double rDifference = maxAbsDifference(one.rotation(), distributed.rotation());
        double lossDifference = maxRelativeDifference(one.lossCurve(), distributed.lossCurve());
        LOG.info("1 vs 4 partitions: max |ΔR| = {}, max relative loss difference = {}", rDifference, lossDifference);
        assertThat(rDifference).as("R over 1 partition equals R over 4 to 1e-4").isLessThan(1e-4);
        assertThat(lossDifference).as("the loss curves agree to 1e-4 relative").isLessThan(1e-4);
    }

    @Test
    void theSameConfigAndPartitioningGiveBitIdenticalR() throws Exception {
        JavaRDD<ActivationChunk> again = layout(4);
        DfrotRefiner.Result second = sparkRefine(again);
        again.unpersist(false);

        LOG.info("same layout twice: max |ΔR| = {}", maxAbsDifference(second.rotation(), distributed.rotation()));
        assertThat(second.rotation()).as("a second layout and refine with the same config reproduce R bit for bit")
                .isEqualTo(distributed.rotation());
        assertThat(second.lossCurve()).as("... and the loss curve").isEqualTo(distributed.lossCurve());
    }


    /**
     * The captured rows laid out over {@code partitions} partitions by the job's own code. distribute releases
     * the RDDs it is given, so it gets a child of each captured RDD and the captures stay cached for the next.
     */
    private static JavaRDD<ActivationChunk> layout(int partitions) {
        List<JavaRDD<ActivationChunk>> children = captured.stream().map(rdd -> rdd.map(chunk -> chunk)).toList();
        return CalibrationRows.distribute(sc, children, MAX_ROWS, partitions, LEVEL);
    }

    /** The refine stage as the job runs it (no checkpoints, no resume, no α = 1 comparison). */
    private static DfrotRefiner.Result sparkRefine(JavaRDD<ActivationChunk> rows) {
        long start = System.nanoTime();
        RefineStage.Outcome outcome = RefineStage.run(sc, rows, scan.massiveKeys(), d, settings.refine(),
                new RefineStage.Options(BLAS_THREADS_PER_TASK, DRIVER_THREADS, false, false),
                new RefineCheckpoint(new LocalStorage(), dir.resolve("unused.safetensors").toUri().toString()),
                "test");
        LOG.info("refine stage over {} partitions in {} s", rows.getNumPartitions(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return outcome.dfrot();
    }

    /** The loop settings the refine stage builds from the same RefineSettings. */
    private static DfrotRefiner.Settings loop(RefineSettings refine) {
        assertThat(refine.init()).isEqualTo(RefineSettings.Init.RANDOM_HADAMARD);
        return new DfrotRefiner.Settings(refine.iterations(), refine.alpha(), DfrotRefiner.Init.RANDOMIZED_HADAMARD,
                refine.seed(), new DriverSolver(refine.solver(), DRIVER_THREADS));
    }

    /** Capture order: layer, then the block's first sequence, then the site. */
    private static final Comparator<ActivationChunk> CAPTURE_ORDER = Comparator.comparingInt(ActivationChunk::layer)
            .thenComparingInt(c -> c.sequence()[0]).thenComparing(ActivationChunk::site);

    /**
     * The single-machine reference's data side on the cluster's rows: common's {@link InMemoryRows}, one per
     * captured chunk, summed in capture order on the driver, without Spark.
     *
     * <p>Why per chunk, on one BLAS thread, and not one InMemoryRows over all rows: C = Σ A_wᵀ·Q(A_w·R) is a
     * float32 GEMM per block of rows, summed in double, so C depends on where the blocks end and on OpenBLAS's
     * thread count at the 1e-7 relative level (InMemoryRows' own 4096-row blocks vs the 512-row chunks at R0:
     * max |ΔC| = 3.2 of 8.4e6). On the demo rows C has singular values from 1.6e8 down to 0.03, and the
     * quantizer in the loop flips codes on rounding-level changes of A_w·R, so the alternation amplifies such
     * differences; measured after 6 steps against the stage: one InMemoryRows over all rows on 2 BLAS threads,
     * max |ΔR| = 0.092 and loss 5.2e-4 relative; per chunk on 2 threads, 0.031 and 1.9e-4; per chunk on the
     * executors' 1 thread, 0 (bit for bit). Summing C in double does not cure it (two blockings still drift
     * to 0.02). Same rows in the same blocks with the same BLAS is what "the same rows" can promise; the
     * comparison then checks everything Spark adds: broadcast, per-partition accumulation with the massive-row
     * lookup by key, the fixed-order tree merge, and the stage's loop settings.
     */
    private static final class ReferenceRows implements WeightedRows {
        private final List<InMemoryRows> blocks = new ArrayList<>();
        private final int d;
        private long count;
        private long massiveCount;

        ReferenceRows(List<ActivationChunk> chunks, long[] massiveKeys, double alpha, int d) {
            this.d = d;
            for (ActivationChunk chunk : chunks) {
                boolean[] massive = new boolean[chunk.rowCount()];
                for (int i = 0; i < massive.length; i++) {
                    massive[i] = Arrays.binarySearch(massiveKeys, chunk.rowKey(i)) >= 0;
                }
                InMemoryRows block = new InMemoryRows(chunk.rows(), chunk.rowCount(), d, massive, alpha);
                blocks.add(block);
                count += chunk.rowCount();
                massiveCount += block.massiveCount();
            }
        }

        long count() {
            return count;
        }

        long massiveCount() {
            return massiveCount;
        }

        @Override
        public int d() {
            return d;
        }

        @Override
        public ProcrustesAccumulator accumulate(double[] r) {
            DenseLinearAlgebra.setBlasThreads(BLAS_THREADS_PER_TASK); // as on the executors; the solve sets 2
            ProcrustesAccumulator sum = new ProcrustesAccumulator(d);
            blocks.forEach(block -> sum.merge(block.accumulate(r)));
            return sum;
        }
    }

    private static double maxAbsDifference(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double maxRelativeDifference(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
        }
        return max;
    }
}
