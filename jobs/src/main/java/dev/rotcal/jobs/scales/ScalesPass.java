package dev.rotcal.jobs.scales;

import dev.rotcal.Eta;
import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.jobs.capture.HiddenBlock;
import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.config.ScalesSettings;
import dev.rotcal.jobs.spark.JobGroups;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.scales.InputStatistics;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearScalesSolver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage "scales" (DESIGN.md §2.5): a layer-by-layer pass of the ROTATED model (R1 from refine, R2, R3 / R4 online)
 * over the stage's own calibration windows (rotcal.scales.sequences, never DFRot's), as gptq.py and QuaRot run GPTQ.
 * Per layer: the executors run the layer over their blocks and gather the statistics of its inputs as the quantized
 * model sees them (Hessians, clip sweeps, samples, KV sweeps), which are merged on the executors
 * ({@link LayerStatisticsShards}); four tasks solve the layer's linear groups and the driver writes the layer file
 * ({@link ScalesStage#solveLayer}); then the blocks move on to the next layer — through the layer's GPTQ weights
 * (read back from the staged file) when rotcal.scales.gptq-inputs = sequential and gptq runs, else through its
 * float weights. The driver holds R1 and one layer's results, never a Hessian or the residual stream.
 */
public final class ScalesPass {
    private static final Logger LOG = LoggerFactory.getLogger(ScalesPass.class);

    /** Sees every layer's merged statistics before they are solved (tests; collects them to the driver). */
    public interface Observer {
        void layerStatistics(int layer, LayerStatistics merged);
    }

    private ScalesPass() {
    }

    /**
     * @param blocks   the stage's windows in blocks (one task each)
     * @param r1       (d, d) row-major DFRot R1
     * @param rhSweeps per (layer, site) the sweeps of the calibration rows under the evaluation's random Hadamard
     * @param observer null, or a test's observer of the merged statistics
     */
    public static ScalesStage.Outcome run(JavaSparkContext sc, ModelSource model, ModelConfig config,
                                          List<TokenBlock> blocks, double[] r1,
                                          Map<RotatedInputsStage.Key, InputStatistics> rhSweeps,
                                          ScalesSettings settings, int blasThreads, StorageLevel level,
                                          ArtifactPublisher publisher, Observer observer) throws IOException {
        DecoderShape shape = DecoderShape.of(config);
        int layers = config.numHiddenLayers();
        boolean sequential = settings.sequentialGptq();
        LayerStatistics.Options statistics = new LayerStatistics.Options(settings.activationBits(), settings.kvBits(),
                settings.needsHessians(), settings.needsSamples() ? settings.sampleRows() : 0, true);
        StagedGptqWeights staged = new StagedGptqWeights(publisher.storage(), publisher.stagingUri());
        LinearScalesSolver.Options options = ScalesStage.options(settings);
        int windows = blocks.stream().mapToInt(b -> b.sequenceIds().length).sum();
        LOG.info("scales: {} windows of {} tokens in {} blocks, layer inputs from the {} rotated model", windows,
                blocks.get(0).seqLen(), blocks.size(), sequential ? "GPTQ-quantized (sequential)" : "float");
        Broadcast<double[]> r1Broadcast = sc.broadcast(r1);
        List<ScalesStage.PublishedLayer> published = new ArrayList<>();
        JavaRDD<HiddenBlock> hidden = null;
        try {
            try (JobGroups.Group g = JobGroups.enter(sc, "scales-embed", "scales: embedding %d windows", windows)) {
                hidden = sc.parallelize(blocks, blocks.size())
                        .map(block -> new HiddenBlock(block, ModelRotation.rotateRows(LayerWeightsCache.readRows(
                                model, model.config().layout().embedTokens(), block.tokens()), block.rows(),
                                r1Broadcast.value(), shape.hidden()), 0))
                        .setName("scales blocks after embedding").persist(level);
                hidden.count();
            }
            long stageStart = System.nanoTime();
            for (int layer = 0; layer < layers; layer++) {
                long start = System.nanoTime();
                LayerStatisticsShards shards;
                try (JobGroups.Group g = JobGroups.enter(sc, "scales-statistics-" + layer,
                        "scales: layer %d/%d statistics over %d windows", layer + 1, layers, windows)) {
                    // not persisted: a block's statistics (GiBs of Hessians at real widths) go straight into the
                    // shuffle; the blocks' next residual stream comes from a forward of its own below
                    shards = LayerStatisticsShards.reduce(layer, hidden.map(new RunRotatedLayer(model, layer,
                                    r1Broadcast, statistics, null, options, blasThreads))
                            .mapPartitions(ScalesPass::mergeInPartition, true), blocks.size());
                }
                if (observer != null) {
                    observer.layerStatistics(layer, shards.collect());
                }
                long statisticsDone = System.nanoTime();
                published.add(ScalesStage.solveLayer(sc, model, layer, shards.pieces(), r1Broadcast, rhSweeps,
                        settings, blasThreads, publisher));
                shards.unpersist();
                long solveDone = System.nanoTime();
                JavaRDD<HiddenBlock> next;
                if (layer + 1 < layers) {
                    try (JobGroups.Group g = JobGroups.enter(sc, "scales-forward-" + layer,
                            "scales: layer %d/%d forward with %s weights", layer + 1, layers,
                            sequential ? "GPTQ" : "float")) {
                        next = hidden.map(new RunRotatedLayer(model, layer, r1Broadcast, null,
                                        sequential ? staged : null, options, blasThreads))
                                .map(RunRotatedLayer.Step::next)
                                .setName("scales blocks after layer " + layer).persist(level);
                        next.count();
                    }
                } else {
                    next = null;
                }
                hidden.unpersist(false);
                hidden = next;
                double done = (System.nanoTime() - stageStart) / 1e9;
                long end = System.nanoTime();
                Map<String, Object> seconds = new java.util.LinkedHashMap<>(); // the split the projection uses
                seconds.put("statistics", (statisticsDone - start) / 1e9);
                seconds.put("solve", (solveDone - statisticsDone) / 1e9);
                seconds.put("forward", (end - solveDone) / 1e9);
                published.get(published.size() - 1).metrics().put("seconds", seconds);
                LOG.info("scales: layer {}/{} done in {} s (statistics {} s, solve {} s, forward {} s), ETA {}",
                        layer + 1, layers, seconds(end - start), seconds(statisticsDone - start),
                        seconds(solveDone - statisticsDone), seconds(end - solveDone),
                        Eta.format(done / (layer + 1) * (layers - layer - 1)));
            }
        } finally {
            if (hidden != null) {
                hidden.unpersist(false);
            }
            // the executors' caches of the pass (rotated layers) go with the JVMs' next layer or the run;
            // the driver's own (local mode) is freed here
            RotatedLayerCache.clear();
            r1Broadcast.destroy();
        }
        return ScalesStage.outcome(published, settings);
    }

    private static String seconds(long nanos) {
        return String.format("%.1f", nanos / 1e9);
    }

    /** One partial per partition: its blocks' statistics merged in block order. */
    private static java.util.Iterator<LayerStatistics> mergeInPartition(java.util.Iterator<RunRotatedLayer.Step> it) {
        LayerStatistics acc = null;
        while (it.hasNext()) {
            LayerStatistics s = it.next().statistics();
            acc = acc == null ? s : acc.merge(s);
        }
        return acc == null ? List.<LayerStatistics>of().iterator() : List.of(acc).iterator();
    }
}
