package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.scales.StagedGptqWeights;
import static dev.rotcal.Checks.checkState;

import dev.rotcal.dfrot.ClassErrorSums;
import dev.rotcal.dfrot.ClassQuantizationError;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.scales.ScalesStage;
import dev.rotcal.jobs.scan.ScanChunks;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.ActivationClipRatios;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.FakeQuantHooks;
import dev.rotcal.model.forward.LayerCaptures;
import dev.rotcal.model.forward.LayerHooks;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.model.rotate.OnlineRotationHooks;
import dev.rotcal.scales.LinearInput;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side: decoder layer {@code layer} of every variant over one held-out block. The float variant also
 * keeps its two gain-free norm outputs and measures their 4-bit error by token class with no rotation and with
 * each compared rotation (the held-out counterpart of the refine stage's errors).
 */
final class EvaluateLayer implements Function<EvalBlock, EvalStep> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final int layer;
    private final Broadcast<EvalPlan> plan;
    private final StagedGptqWeights gptq; // where this layer's GPTQ weights are, or null
    private final int blasThreads;

    EvaluateLayer(ModelSource model, int layer, Broadcast<EvalPlan> plan, StagedGptqWeights gptq,
                  int blasThreads) {
        this.model = model;
        this.layer = layer;
        this.plan = plan;
        this.gptq = gptq;
        this.blasThreads = blasThreads;
    }

    @Override
    public EvalStep call(EvalBlock in) {
        checkState(in.layersDone() == layer, "[BUG] block %d has run %d layers, expected %d",
                in.tokens().blockId(), in.layersDone(), layer);
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        EvalPlan p = plan.value();
        ModelConfig config = model.config();
        DecoderShape shape = DecoderShape.of(config);
        DecoderLayer decoder = new DecoderLayer(shape, RotaryEmbedding.of(config));
        TokenBlock tokens = in.tokens();
        int[] positions = ModelForward.positions(tokens.rows(), tokens.seqLen());
        Map<String, float[]> next = new LinkedHashMap<>();
        Map<String, ClassErrorSums> errors = new LinkedHashMap<>();
        for (EvalVariant v : p.variants()) {
            float[] hidden = in.hidden().get(v.name()).clone(); // (rows, d)
            boolean measure = v.equals(EvalVariant.FLOAT);
            LayerCaptures c = decoder.forward(hidden, positions, tokens.seqLen(),
                    EvalWeightsCache.layer(model, config, layer, v, p, gptq),
                    measure ? CaptureSwitches.NORM_ROWS : CaptureSwitches.NONE, hooks(v, shape, p));
            if (measure) {
                measure(c.attentionInput(), c.attentionInputRms(), "attn_in", tokens.rows(), shape.hidden(), p,
                        errors);
                measure(c.mlpInput(), c.mlpInputRms(), "mlp_in", tokens.rows(), shape.hidden(), p, errors);
            }
            next.put(v.name(), hidden);
        }
        return new EvalStep(new EvalBlock(tokens, next, layer + 1), errors);
    }

    /** The variant's run-time hooks: online R3 / R4 for a rotated model, then W4A4KV4 fake quantization. */
    private LayerHooks hooks(EvalVariant v, DecoderShape shape, EvalPlan p) {
        if (!v.rotated()) {
            return LayerHooks.NONE;
        }
        LayerHooks online = OnlineRotationHooks.quarot(shape, true);
        if (!v.quantized()) {
            return online;
        }
        ScalesStage.LayerChoice choice = p.choices().get(layer);
        Map<LinearInput, Float> clips = choice.clipRatios().get(v.rotation());
        return online.then(new FakeQuantHooks(shape, p.activationBits(),
                new ActivationClipRatios(clips.get(LinearInput.ATTN_IN), clips.get(LinearInput.MLP_IN),
                        clips.get(LinearInput.O_PROJ_IN), clips.get(LinearInput.DOWN_PROJ_IN)),
                p.kvBits(), choice.keyClip(), choice.valueClip()));
    }

    private static void measure(float[] rows, float[] rms, String site, int n, int d, EvalPlan p,
                                Map<String, ClassErrorSums> errors) {
        boolean[] massive = ScanChunks.massive(p.massive(), p.massiveRo(), rows, rms, n, d);
        errors.put(site + "/" + EvalVariant.NONE, ClassQuantizationError.unrotated(rows, n, d, massive));
        p.errorRotations().forEach((name, r) ->
                errors.put(site + "/" + name, ClassQuantizationError.rotated(rows, n, d, massive, r)));
    }
}
