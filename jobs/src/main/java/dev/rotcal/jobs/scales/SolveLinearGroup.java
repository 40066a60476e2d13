package dev.rotcal.jobs.scales;

import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearScales;
import dev.rotcal.scales.LinearScalesSolver;
import dev.rotcal.scales.RotatedInput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side of the scales stage: one {@link LinearGroup} of one layer. Reads the layer's tensors from the
 * checkpoint, rotates and folds them (R1 from refine, R2 and R4's offline half) and runs every requested weight
 * quantizer on the group's linears.
 */
final class SolveLinearGroup implements Function<LinearGroup, List<LinearScales>> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final int layer;
    private final Broadcast<double[]> r1;                       // (d, d) row-major
    private final Broadcast<Map<LinearGroup, RotatedInput>> inputs;
    private final LinearScalesSolver.Options options;
    private final int blasThreads;

    SolveLinearGroup(ModelSource model, int layer, Broadcast<double[]> r1,
                     Broadcast<Map<LinearGroup, RotatedInput>> inputs, LinearScalesSolver.Options options,
                     int blasThreads) {
        this.model = model;
        this.layer = layer;
        this.r1 = r1;
        this.inputs = inputs;
        this.options = options;
        this.blasThreads = blasThreads;
    }

    @Override
    public List<LinearScales> call(LinearGroup group) {
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelConfig config = model.config();
        DecoderShape shape = DecoderShape.of(config);
        LayerWeights rotated = ModelRotation.rotateLayer(LayerWeightsCache.readFloats(model, config, layer),
                r1.value(), shape, true, true);
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, Integer> outs = new LinkedHashMap<>();
        for (String linear : group.linears()) {
            weights.put(linear, LinearGroup.weight(rotated, linear));
            outs.put(linear, LinearGroup.outWidth(shape, linear));
        }
        return LinearScalesSolver.solve(group, layer, weights, outs, inputs.value().get(group), options);
    }
}
