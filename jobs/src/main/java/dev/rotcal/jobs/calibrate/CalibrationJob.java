package dev.rotcal.jobs.calibrate;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.Storage;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.jobs.RotcalVersion;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.CalibrationRows;
import dev.rotcal.jobs.config.PreflightResult;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.refine.RefineCheckpoint;
import dev.rotcal.jobs.refine.RefineStage;
import dev.rotcal.jobs.evaluate.EvaluateStage;
import dev.rotcal.jobs.report.ReportInput;
import dev.rotcal.jobs.report.RunReport;
import dev.rotcal.jobs.scales.RotatedInputsStage;
import dev.rotcal.jobs.scales.ScalesPass;
import dev.rotcal.jobs.scales.ScalesStage;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.scan.ScanStage;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.scales.InputStatistics;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.model.rotate.OnlineRotationSpec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calibration run, on the driver: tokens → capture → scan → refine → publish (DESIGN.md §2), or, with
 * pre-captured activation dumps, load dumps → scan → refine → publish ({@link CalibrationInput}). Settings
 * and the preflight checks come first, before any Spark work; every stage after that is a class of its own,
 * and this one only hands results from one to the next.
 */
public final class CalibrationJob {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrationJob.class);
    /** Largest piece of calibration rows a refine task adds at once: (4096, d) floats. */
    private static final int MAX_CHUNK_ROWS = 4096;

    private final RotcalSettings settings;
    private final Storage storage;
    private final PreflightResult preflight;
    private StageMemory memory;

    /**
     * @param storage   where the model, the data and the output live (Hadoop FileSystem)
     * @param preflight the driver-side checks, already passed
     */
    public CalibrationJob(RotcalSettings settings, Storage storage, PreflightResult preflight) {
        this.settings = settings;
        this.storage = storage;
        this.preflight = preflight;
    }

    /**
     * Runs the whole calibration and publishes the artifact; returns what the summary prints. The caller holds the
     * run's lease ({@link RunLease}, taken in CalibrateCommand right after the stores answered).
     */
    public RunSummary run(SparkConf sparkConf, boolean resume) throws IOException {
        long runStart = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        CalibrationInput input = input(seconds);
        int d = input.hiddenSize();
        if (resume) {
            // before the capture: a changed α or seed, other data or a corrupt checkpoint fails now
            new RefineCheckpoint(storage, checkpointUri()).precheck(d, compatibility(input.dataFingerprint(), null,
                    d));
        }

        try (JavaSparkContext sc = new JavaSparkContext(sparkConf); StageMemory memory = new StageMemory()) {
            this.memory = memory;
            int partitions = settings.spark().partitions() > 0 ? settings.spark().partitions() : sc.defaultParallelism();
            int blas = settings.spark().blasThreadsPerTask();
            StorageLevel level = settings.capture().sparkStorageLevel();

            long t = System.nanoTime();
            memory.start();
            long totalRows = input.rowCount();
            int chunkRows = (int) Math.max(256, Math.min(MAX_CHUNK_ROWS, (totalRows + partitions - 1) / partitions));
            List<JavaRDD<ActivationChunk>> captured = input.rows(sc, chunkRows, partitions, blas, level);
            JavaRDD<ActivationChunk> rows = CalibrationRows.distribute(sc, captured, chunkRows, partitions, level);
            // The executors' cached layer weights are released by the first scan (and refine) task each JVM runs:
            // a job of its own would reach only the executors its tasks happen to land on.
            seconds.put(input.stageName(), elapsed(t));
            memory.end(input.stageName());

            t = System.nanoTime();
            memory.start();
            ScanStage.Outcome scan = ScanStage.run(sc, rows, d, settings.massive(), settings.refine().alpha(), blas,
                    input.tokenText(), input.uri());
            seconds.put("scan", elapsed(t));
            memory.end("scan");

            t = System.nanoTime();
            memory.start();
            RefineCheckpoint checkpoint = new RefineCheckpoint(storage, checkpointUri());
            RefineStage.Outcome refine = RefineStage.run(sc, rows, scan.massiveKeys(), d, settings.refine(),
                    new RefineStage.Options(blas, settings.spark().resolvedDriverBlasThreads(), resume,
                            settings.refine().comparePlainProcrustes(), totalRows),
                    checkpoint, compatibility(input.dataFingerprint(), scan, d));
            seconds.put("refine", elapsed(t));
            memory.end("refine");

            try (ArtifactPublisher publisher = ArtifactPublisher.begin(storage, preflight.layout(),
                    settings.output().overwrite())) {
                Optional<ScalesStage.Outcome> scales = scales(sc, input, rows, refine, publisher, seconds, blas,
                        partitions, level);
                rows.unpersist(false);
                Optional<Map<String, Object>> evaluation = evaluate(sc, input, refine, scales, publisher, seconds,
                        partitions, blas, level);

                t = System.nanoTime();
                seconds.put("publish", 0.0);
                Manifest manifest = publish(publisher, input, scan.report(), refine, scales, evaluation,
                        seconds);
                seconds.put("publish", elapsed(t));
                checkpoint.delete();
                return new RunSummary(preflight.layout().runUri(), scan.report(), refine, manifest,
                        elapsed(runStart));
            }
        }
    }

    /**
     * Stage "scales" with the pass over the rotated calibration rows before it; empty when the stage is off or the
     * input has no weights (activation dumps).
     */
    private Optional<ScalesStage.Outcome> scales(JavaSparkContext sc, CalibrationInput input,
                                                 JavaRDD<ActivationChunk> rows, RefineStage.Outcome refine,
                                                 ArtifactPublisher publisher, Map<String, Double> seconds, int blas,
                                                 int partitions, StorageLevel level)
            throws IOException {
        Optional<List<TokenBlock>> blocks = input.scalesBlocks(partitions);
        if (!settings.scales().enabled() || input.model().isEmpty() || blocks.isEmpty()) {
            if (settings.scales().enabled()) {
                LOG.info("scales: skipped, activation dumps carry no weights (calibrate through rotcal.model.uri)");
            }
            return Optional.empty();
        }
        long t = System.nanoTime();
        memory.start();
        int d = input.hiddenSize();
        // the random Hadamard's activation clip ratios of attn_in / mlp_in, for the evaluation's RH variant, from
        // the calibration rows; everything of DFRot's R1 comes from the scales pass itself
        Map<String, float[]> rotations = Map.of(ScalesStage.RANDOM_HADAMARD,
                toFloat(RandomizedHadamard.matrix(d, settings.evaluate().seed())));
        Map<RotatedInputsStage.Key, InputStatistics> rhSweeps = RotatedInputsStage.run(sc, rows, rotations, d,
                settings.scales().activationBits(), blas);
        rows.unpersist(false);
        ModelConfig config = preflight.modelConfig().orElseThrow();
        ScalesStage.Outcome outcome = ScalesPass.run(sc, input.model().get(), config, blocks.get(),
                refine.dfrot().rotation(), rhSweeps, settings.scales(), blas, level, publisher, null);
        seconds.put("scales", elapsed(t));
        memory.end("scales");
        return Optional.of(outcome);
    }

    /** Stage "evaluate" on the held-out tokens; empty when it is off, has no data, or the scales stage did not run. */
    private Optional<Map<String, Object>> evaluate(JavaSparkContext sc, CalibrationInput input,
                                                   RefineStage.Outcome refine, Optional<ScalesStage.Outcome> scales,
                                                   ArtifactPublisher publisher, Map<String, Double> seconds,
                                                   int partitions, int blas, StorageLevel level) throws IOException {
        if (!settings.evaluate().runs() || scales.isEmpty()) {
            if (settings.evaluate().enabled() && scales.isEmpty()) {
                LOG.info("evaluate: skipped, it needs the scales stage's clip ratios (rotcal.scales.enabled and"
                        + " rotcal.model.uri)");
            } else if (settings.evaluate().enabled()) {
                LOG.info("evaluate: skipped, no held-out tokens (set rotcal.evaluate.data-uri)");
            }
            return Optional.empty();
        }
        long t = System.nanoTime();
        memory.start();
        Map<String, Object> metrics = EvaluateStage.run(sc, storage, input.model().get(),
                preflight.modelConfig().orElseThrow(), settings, refine.dfrot().rotation(), scales.get().layers(),
                publisher.stagingUri(), partitions, blas, level);
        seconds.put("evaluate", elapsed(t));
        memory.end("evaluate");
        return Optional.of(metrics);
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** The rows' source: activation dumps, or the checkpoint and its calibration tokens (stage "tokens"). */
    private CalibrationInput input(Map<String, Double> seconds) throws IOException {
        if (preflight.activationDumps().isPresent()) {
            return new DumpInput(settings, storage, preflight.activationDumps().get());
        }
        long t = System.nanoTime();
        ModelConfig config = preflight.modelConfig().orElseThrow(() -> new IllegalStateException(
                "[BUG] preflight passed with neither a model config nor activation dumps"));
        CalibrationInput input = CheckpointInput.load(settings, storage, config);
        seconds.put("tokens", elapsed(t));
        return input;
    }

    private Manifest publish(ArtifactPublisher publisher, CalibrationInput input, MassiveTokenReport massive,
                             RefineStage.Outcome refine, Optional<ScalesStage.Outcome> scales,
                             Optional<Map<String, Object>> evaluation, Map<String, Double> seconds)
            throws IOException {
        ArtifactLayout layout = preflight.layout();
        int d = input.hiddenSize();
        {
            Map<Integer, double[]> r2 = new TreeMap<>();
            Map<String, String> rotationMeta = rotationMetadata(massive);
            if (scales.isPresent()) {
                // the rotated weights of the layer files have R2 folded in and expect R3 / R4 online
                DecoderShape shape = DecoderShape.of(preflight.modelConfig().orElseThrow());
                OnlineRotationSpec r2Spec = ModelRotation.r2(shape);
                double[] h = new double[r2Spec.size() * r2Spec.size()]; // (hd, hd) I · R2 = R2
                for (int i = 0; i < r2Spec.size(); i++) {
                    h[i * r2Spec.size() + i] = 1;
                }
                r2Spec.apply(h, r2Spec.size());
                for (int layer = 0; layer < scales.get().layers().size(); layer++) {
                    r2.put(layer, h);
                }
                rotationMeta.putAll(ModelRotation.r3(shape).toMetadata());
                rotationMeta.putAll(ModelRotation.r4(shape).toMetadata());
            }
            publisher.write(ArtifactLayout.ROTATION, out -> RotationFile.write(out, refine.dfrot().rotation(), d,
                    r2, input.headDim(), rotationMeta));
            publisher.write(ArtifactLayout.MASSIVE_TOKENS, massive.toJson());
            ObjectNode metrics = RunMetrics.metrics(refine, massive, scales.map(ScalesStage.Outcome::metrics),
                    evaluation, seconds, settings.refine().alpha());
            ObjectNode peaks = metrics.putObject("stage_memory"); // measured in the driver JVM (local: every task)
            memory.peaks().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> peaks.putObject(e.getKey())
                    .put("peak_live_heap_bytes", e.getValue().liveHeap()).put("peak_rss_bytes", e.getValue().rss()));
            publisher.write(ArtifactLayout.METRICS, RunMetrics.JSON.writeValueAsBytes(metrics));
            publisher.write(ArtifactLayout.REPORT, RunReport.html(new ReportInput(layout.runId(), layout.modelName(),
                    metrics, RunMetrics.JSON.readTree(massive.toJson()), settings.toRedactedTree(), seconds)));
            Manifest draft = Manifest.draft(RotcalVersion.get(), layout.runId(),
                    new Manifest.Model(layout.modelName(), ArtifactLayout.withoutUserInfo(input.uri()),
                            input.modelFingerprint()),
                    new Manifest.Data(input.dataFingerprint()), settings.seeds(), settings.toRedactedTree(),
                    RunMetrics.summary(refine, massive));
            return publisher.commit(draft);
        }
    }

    private Map<String, String> rotationMetadata(MassiveTokenReport massive) {
        Map<String, String> meta = new TreeMap<>();
        meta.put("r1_method", "dfrot");
        meta.put("r1_init", settings.refine().init().configName());
        meta.put("r1_seed", Long.toString(settings.refine().seed()));
        meta.put("r1_iterations", Integer.toString(settings.refine().iterations()));
        meta.put("r1_alpha", Double.toString(settings.refine().alpha()));
        meta.put("massive_rule", massive.rule());
        meta.put("massive_rows", Long.toString(massive.massiveRows()));
        meta.put("rotcal_version", RotcalVersion.get());
        return meta;
    }

    /** What a refine checkpoint must match to be resumed: the rows (data and massive set) and the loop. */
    private String compatibility(String dataFingerprint, ScanStage.Outcome scan, int d) {
        long[] keys = scan == null ? new long[0] : scan.massiveKeys();  // null: before the scan (precheck)
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * keys.length);
        for (long k : keys) {
            b.putLong(k);
        }
        return String.format("d=%d data=%s massive=%s alpha=%s init=%s seed=%d", d, dataFingerprint,
                Sha256.of(b.array()).substring(0, 16), settings.refine().alpha(), settings.refine().init().configName(),
                settings.refine().seed());
    }

    private String checkpointUri() {
        return checkpointsUri() + "/refine.safetensors";
    }

    /** {@code <model>/_checkpoints/<run-id>}: the run's refine checkpoint and its lease. */
    private String checkpointsUri() {
        return preflight.layout().checkpointsUri();
    }

    private static double elapsed(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
