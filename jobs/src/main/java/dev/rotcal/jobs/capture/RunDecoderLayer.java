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
import org.apache.spark.api.java.function.Function;

/**
 * Executor side: runs decoder layer {@code layer} over a block (weights leased from this JVM's
 * {@link LayerWeightsCache}) and keeps the gain-free outputs of its two RMSNorms, DFRot's calibration rows.
 */
public final class RunDecoderLayer implements Function<HiddenBlock, LayerStep> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final int layer;
    private final int blasThreads;
    public RunDecoderLayer(ModelSource model, int layer, int blasThreads) {
        this.model = model;
        this.layer = layer;
        this.blasThreads = blasThreads;
    }

    @Override
    public LayerStep call(HiddenBlock in) {
        checkState(in.layersDone() == layer, "block %d has run %d layers, expected %d", in.tokens().blockId(),
                in.layersDone(), layer);
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelConfig config = model.config();
        DecoderLayer decoder = new DecoderLayer(DecoderShape.of(config), RotaryEmbedding.of(config));
        TokenBlock tokens = in.tokens();
        int d = config.hiddenSize();
        int seqLen = tokens.seqLen();
        int windows = tokens.sequenceIds().length;
        float[] hidden = in.hidden().clone(); // (rows, d); a cached block must not change under us
        float[] attnIn = new float[tokens.rows() * d];
        float[] mlpIn = new float[tokens.rows() * d];
        float[] attnRms = new float[tokens.rows()];
        float[] mlpRms = new float[tokens.rows()];
        int[] positions = ModelForward.positions(seqLen, seqLen);
        // one window at a time: a block of many 2048-token windows at real widths would need gigabytes of
        // intermediates (the MLP alone: rows × intermediate × 3 floats)
        try (LayerWeightsCache.Lease lease = LayerWeightsCache.acquire(model, config, layer)) {
            for (int w = 0; w < windows; w++) {
                float[] window = java.util.Arrays.copyOfRange(hidden, w * seqLen * d, (w + 1) * seqLen * d);
                LayerCaptures c = decoder.forward(window, positions, seqLen, lease.weights(),
                        CaptureSwitches.NORM_ROWS);
                System.arraycopy(window, 0, hidden, w * seqLen * d, window.length);
                System.arraycopy(c.attentionInput(), 0, attnIn, w * seqLen * d, seqLen * d);
                System.arraycopy(c.mlpInput(), 0, mlpIn, w * seqLen * d, seqLen * d);
                System.arraycopy(c.attentionInputRms(), 0, attnRms, w * seqLen, seqLen);
                System.arraycopy(c.mlpInputRms(), 0, mlpRms, w * seqLen, seqLen);
            }
        }
        return new LayerStep(new HiddenBlock(tokens, hidden, layer + 1),
                chunk(RowSite.ATTENTION_INPUT, tokens, attnIn, attnRms, d),
                chunk(RowSite.MLP_INPUT, tokens, mlpIn, mlpRms, d));
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
