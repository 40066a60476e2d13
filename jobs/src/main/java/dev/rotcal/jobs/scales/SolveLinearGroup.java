package dev.rotcal.jobs.scales;

import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.scales.HessianAccumulator;
import dev.rotcal.scales.InputStatistics;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearInput;
import dev.rotcal.scales.LinearScales;
import dev.rotcal.scales.LinearScalesSolver;
import dev.rotcal.scales.RotatedInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * Executor side of the scales stage: one {@link LinearGroup} of one layer. Receives the group's share of the merged
 * statistics of the rotated model's inputs (the layer's summary and the bands of its input's Hessian), assembles the
 * Hessian, reads the layer's tensors from the checkpoint, rotates and folds them (R1 from refine, R2 and R4's offline
 * half) and runs every requested weight quantizer on the group's linears; also the group input's activation
 * parameters and, for q/k/v, the KV cache's. The tensors go into a part file in the run's staging folder (the driver
 * joins a layer's four parts into its layer file); the task returns only where it put them and the metrics.
 */
final class SolveLinearGroup implements Function<Tuple2<GroupKey, GroupInput>, GroupResult> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final Broadcast<double[]> r1;                       // (d, d) row-major
    private final LinearScalesSolver.Options options;
    private final int blasThreads;
    private final Storage storage;
    private final String stagingUri;

    SolveLinearGroup(ModelSource model, Broadcast<double[]> r1, LinearScalesSolver.Options options, int blasThreads,
                     Storage storage, String stagingUri) {
        this.model = model;
        this.r1 = r1;
        this.options = options;
        this.blasThreads = blasThreads;
        this.storage = storage;
        this.stagingUri = stagingUri;
    }

    @Override
    public GroupResult call(Tuple2<GroupKey, GroupInput> task) {
        long start = System.nanoTime();
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        int layer = task._1().layer();
        LinearGroup group = task._1().group();
        LayerStatistics summary = task._2().summary();
        if (summary == null) {
            throw new IllegalStateException("[BUG] no statistics summary for layer " + layer + " group " + group);
        }
        ModelConfig config = model.config();
        DecoderShape shape = DecoderShape.of(config);
        LinearInput input = group.input();
        InputStatistics stats = summary.input(input);
        HessianAccumulator sums = task._2().hessian();
        float[] hessian = sums == null ? null : sums.takeHessian();
        // the rotated model's own inputs: already in the quantized weights' basis
        RotatedInput in = new RotatedInput(stats.width(), hessian, stats.sample(), stats.sampleRows(),
                stats.channelAbsMax(), stats.sweep());

        // this task's own copies of the group's projections, from the JVM's one rotated layer
        Map<String, float[]> ws = RotatedLayerCache.projections(model, config, layer, r1.value(), group.linears());
        Map<String, Integer> outs = new LinkedHashMap<>();
        for (String linear : group.linears()) {
            outs.put(linear, LinearGroup.outWidth(shape, linear));
        }
        List<LinearScales> solved = LinearScalesSolver.solve(group, layer, ws, outs, in, options);

        List<Tensor> tensors = new ArrayList<>();
        Map<String, Object> linears = new LinkedHashMap<>();
        Object staticMetrics = null;
        for (LinearScales s : solved) {
            tensors.addAll(s.tensors());
            if (s.metrics().containsKey("static")) {
                staticMetrics = s.metrics().get("static");
            } else {
                linears.put(s.linear(), s.metrics());
            }
        }
        Map<String, Object> activation = ScalesStage.activationParameters(layer, input, in, staticMetrics, tensors);
        Map<String, Object> kv = group == LinearGroup.QKV
                ? ScalesStage.kvParameters(layer, summary.kvSweeps(), tensors) : null;
        String part = ScalesStage.partPath(layer, group);
        try {
            // a retried task (its executor was lost) writes its part again
            ArtifactPublisher.writeStaged(storage, stagingUri, part, true,
                    out -> SafetensorsWriter.write(out, Map.of(), tensors));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stage the scales of layer " + layer + " " + group + ": "
                    + e.getMessage(), e);
        }
        if (kv != null) {
            return new GroupResult(layer, group, part, linears, activation, in.sweep().bestRatio(), kv,
                    summary.kvSweeps().key().bestRatio(), summary.kvSweeps().value().bestRatio(),
                    summary.nonFiniteBlocks(), (System.nanoTime() - start) / 1e9);
        }
        return new GroupResult(layer, group, part, linears, activation, in.sweep().bestRatio(), null, 0f, 0f,
                summary.nonFiniteBlocks(), (System.nanoTime() - start) / 1e9);
    }
}
