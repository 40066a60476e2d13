package dev.rotcal.jobs.capture;

import dev.rotcal.Eta;
import dev.rotcal.jobs.spark.JobGroups;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage "capture": runs the model layer by layer over the token blocks on the executors and keeps every
 * layer's two norm outputs. One Spark stage per layer: executors read only that layer's tensors (straight
 * from the checkpoint URI), the residual stream between layers and the captured rows are persisted
 * serialized, and the previous layer's blocks are released as soon as the next exist.
 */
public final class CaptureActivationsStage {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureActivationsStage.class);

    private CaptureActivationsStage() {
    }

    /**
     * @param rows       the captured rows of all layers, one chunk per (block, layer, site), persisted and
     *                   materialized; the caller unpersists them
     */
    public record Result(List<JavaRDD<ActivationChunk>> rows) {
    }

    public static Result run(JavaSparkContext sc, ModelSource model, int layers, List<TokenBlock> blocks,
                             int blasThreads, StorageLevel level) {
        int sequences = blocks.stream().mapToInt(b -> b.sequenceIds().length).sum();
        int seqLen = blocks.get(0).seqLen();
        JavaRDD<HiddenBlock> hidden;
        try (JobGroups.Group g = JobGroups.enter(sc, "capture-embed",
                "capture: embedding %d sequences × %d tokens", sequences, seqLen)) {
            hidden = sc.parallelize(blocks, blocks.size()).setName("tokens")
                    .map(new EmbedTokens(model)).setName("hidden after embedding").persist(level);
            hidden.count();
        }
        List<JavaRDD<ActivationChunk>> captured = new ArrayList<>();
        long stageStart = System.nanoTime();
        for (int layer = 0; layer < layers; layer++) {
            long start = System.nanoTime();
            try (JobGroups.Group g = JobGroups.enter(sc, "capture-layer-" + layer,
                    "capture: layer %d/%d over %d sequences × %d tokens", layer + 1, layers, sequences, seqLen)) {
                JavaRDD<LayerStep> step = hidden.map(new RunDecoderLayer(model, layer, blasThreads))
                        .setName("layer " + layer + " step").persist(level);
                JavaRDD<HiddenBlock> next = step.map(LayerStep::next)
                        .setName("hidden after layer " + layer).persist(level);
                JavaRDD<ActivationChunk> rows = step.flatMap(s -> s.chunks().iterator())
                        .setName("rows of layer " + layer).persist(level);
                next.count();
                rows.count();
                step.unpersist(false);
                hidden.unpersist(false);
                hidden = next;
                captured.add(rows);
            }
            double done = (System.nanoTime() - stageStart) / 1e9;
            LOG.info("capture: layer {}/{} done in {} s, ETA {}", layer + 1, layers,
                    String.format("%.1f", (System.nanoTime() - start) / 1e9),
                    Eta.format(done / (layer + 1) * (layers - layer - 1)));
        }
        hidden.unpersist(false);
        return new Result(captured);
    }
}
