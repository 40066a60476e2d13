package dev.rotcal.jobs.scales;

import static dev.rotcal.Checks.checkState;

import dev.rotcal.jobs.capture.HiddenBlock;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.model.rotate.OnlineRotationHooks;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearScalesSolver;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side of the scales pass: decoder layer {@code layer} of the ROTATED model (weights from
 * {@link RotatedLayerCache}, R3 and R4 online) over one block of the stage's windows, one window at a time; with
 * {@code statistics} it also gathers the block's {@link LayerStatistics} of the rotated model's own inputs (nothing
 * to rotate afterwards).
 */
final class RunRotatedLayer implements Function<HiddenBlock, RunRotatedLayer.Step> {
    private static final long serialVersionUID = 1L;

    /** The residual stream after the layer, and the block's statistics (or null). */
    record Step(HiddenBlock next, LayerStatistics statistics) implements Serializable {
    }

    private final ModelSource model;
    private final int layer;
    private final Broadcast<double[]> r1;
    private final LayerStatistics.Options statistics;   // null: the forward only
    private final StagedGptqWeights gptq;              // null: float weights
    private final LinearScalesSolver.Options options;
    private final int blasThreads;

    RunRotatedLayer(ModelSource model, int layer, Broadcast<double[]> r1, LayerStatistics.Options statistics,
                    StagedGptqWeights gptq, LinearScalesSolver.Options options, int blasThreads) {
        this.model = model;
        this.layer = layer;
        this.r1 = r1;
        this.statistics = statistics;
        this.gptq = gptq;
        this.options = options;
        this.blasThreads = blasThreads;
    }

    @Override
    public Step call(HiddenBlock in) {
        checkState(in.layersDone() == layer, "[BUG] block %d has run %d layers, expected %d", in.tokens().blockId(),
                in.layersDone(), layer);
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelConfig config = model.config();
        DecoderShape shape = DecoderShape.of(config);
        DecoderLayer decoder = new DecoderLayer(shape, RotaryEmbedding.of(config));
        OnlineRotationHooks online = OnlineRotationHooks.quarot(shape, true);
        TokenBlock tokens = in.tokens();
        int d = shape.hidden();
        int seqLen = tokens.seqLen();
        int[] positions = ModelForward.positions(seqLen, seqLen);
        // the layer first: its rotation's transient arrays never meet this task's statistics on the heap
        var weights = RotatedLayerCache.layer(model, config, layer, r1.value(), gptq, options);
        LayerStatistics stats = statistics == null ? null : new LayerStatistics(layer, shape, statistics);
        float[] hidden = in.hidden().clone();
        for (int w = 0; w < tokens.sequenceIds().length; w++) {
            float[] window = Arrays.copyOfRange(hidden, w * seqLen * d, (w + 1) * seqLen * d);
            LayerCaptures c = decoder.forward(window, positions, seqLen, weights,
                    stats == null ? CaptureSwitches.NONE : CaptureSwitches.ALL, online);
            System.arraycopy(window, 0, hidden, w * seqLen * d, window.length);
            if (stats != null) {
                stats.addBlock(c, seqLen, tokens.blockId());
            }
        }
        return new Step(new HiddenBlock(tokens, hidden, layer + 1), stats);
    }
}
