package dev.rotcal.jobs.capture;

import static dev.rotcal.Checks.checkState;

import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.scales.LayerStatistics;
import org.apache.spark.api.java.function.Function;

/**
 * Executor side: runs decoder layer {@code layer} over a block (weights leased from this JVM's
 * {@link LayerWeightsCache}) and keeps the gain-free outputs of its two RMSNorms, DFRot's calibration rows, and
 * (for the scales stage) the block's {@link LayerStatistics}.
 */
public final class RunDecoderLayer implements Function<HiddenBlock, LayerStep> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final int layer;
    private final int blasThreads;
    private final LayerStatistics.Options statistics; // null: calibration rows only

    /**
     * @param statistics what the scales stage needs from this layer (every capture switch on), or null for DFRot's
     *                   rows only
     */
    public RunDecoderLayer(ModelSource model, int layer, int blasThreads, LayerStatistics.Options statistics) {
        this.model = model;
        this.layer = layer;
        this.blasThreads = blasThreads;
        this.statistics = statistics;
    }

    @Override
    public LayerStep call(HiddenBlock in) {
        checkState(in.layersDone() == layer, "block %d has run %d layers, expected %d", in.tokens().blockId(),
                in.layersDone(), layer);
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelConfig config = model.config();
        DecoderLayer decoder = new DecoderLayer(DecoderShape.of(config), RotaryEmbedding.of(config));
        TokenBlock tokens = in.tokens();
        float[] hidden = in.hidden().clone(); // (rows, d); a cached block must not change under us
        LayerCaptures captures;
        try (LayerWeightsCache.Lease lease = LayerWeightsCache.acquire(model, config, layer)) {
            captures = decoder.forward(hidden, ModelForward.positions(tokens.rows(), tokens.seqLen()),
                    tokens.seqLen(), lease.weights(),
                    statistics == null ? CaptureSwitches.NORM_ROWS : CaptureSwitches.ALL);
        }
        LayerStatistics stats = statistics == null ? null
                : new LayerStatistics(layer, DecoderShape.of(config), statistics)
                        .addBlock(captures, tokens.rows(), tokens.blockId());
        return new LayerStep(new HiddenBlock(tokens, hidden, layer + 1),
                chunk(RowSite.ATTENTION_INPUT, tokens, captures.attentionInput(), captures.attentionInputRms(),
                        config.hiddenSize()),
                chunk(RowSite.MLP_INPUT, tokens, captures.mlpInput(), captures.mlpInputRms(), config.hiddenSize()),
                stats);
    }

    private ActivationChunk chunk(RowSite site, TokenBlock tokens, float[] rows, float[] rms, int d) {
        int n = tokens.rows();
        int[] sequence = new int[n];
        int[] position = new int[n];
        for (int i = 0; i < n; i++) {
            sequence[i] = tokens.sequenceIds()[i / tokens.seqLen()];
            position[i] = i % tokens.seqLen();
        }
        return new ActivationChunk(layer, site, d, sequence, position, tokens.tokens().clone(), rows, rms);
    }
}
