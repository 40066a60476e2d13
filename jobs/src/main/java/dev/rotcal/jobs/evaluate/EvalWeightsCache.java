package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.scales.StagedGptqWeights;
import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.NativeLayerWeights;
import dev.rotcal.model.forward.OutputHead;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearScalesSolver;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One executor JVM's weights of the evaluation variants: per variant, the current layer's rotated and
 * fake-quantized projections in native memory (built once per JVM and layer: RTN's clip search runs once), and
 * the output heads. The evaluation runs one layer per Spark stage, so asking for layer l drops every other layer.
 */
final class EvalWeightsCache {
    private record Key(String modelUri, int layer, String variant) {
    }

    private static final Map<Key, NativeLayerWeights> LAYERS = new HashMap<>();
    private static final Map<Key, OutputHead> HEADS = new HashMap<>();

    private EvalWeightsCache() {
    }

    /**
     * @param gptq where the staged GPTQ weights are, for the gptq variant (else null)
     */
    static synchronized NativeLayerWeights layer(ModelSource model, ModelConfig config, int layer, EvalVariant v,
                                                 EvalPlan plan, StagedGptqWeights gptq) {
        Key key = new Key(model.uri(), layer, v.name());
        NativeLayerWeights cached = LAYERS.get(key);
        if (cached != null) {
            return cached;
        }
        for (Iterator<Map.Entry<Key, NativeLayerWeights>> it = LAYERS.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, NativeLayerWeights> e = it.next();
            if (e.getKey().layer() != layer || !e.getKey().modelUri().equals(model.uri())) {
                e.getValue().close();
                it.remove();
            }
        }
        DecoderShape shape = DecoderShape.of(config);
        LayerWeights w = LayerWeightsCache.readFloats(model, config, layer);
        if (v.rotated()) {
            w = ModelRotation.rotateLayer(w, plan.modelRotations().get(v.rotation()), shape, true, true);
        }
        if ("rtn".equals(v.weights())) {
            w = rtn(w, shape, plan.weightOptions());
        } else if ("gptq".equals(v.weights())) {
            w = LinearGroup.withLinears(w, gptq.read(layer, shape, plan.weightOptions()));
        }
        NativeLayerWeights nw = NativeLayerWeights.copyOf(w, shape);
        LAYERS.put(key, nw);
        return nw;
    }

    /** The variant's output head: the float head, or the rotated one (final gain folded, lm_head · R1). */
    static synchronized OutputHead head(ModelSource model, ModelConfig config, EvalVariant v, EvalPlan plan) {
        Key key = new Key(model.uri(), -1, v.rotation());
        OutputHead head = HEADS.get(key);
        if (head == null) {
            float[] finalNorm = LayerWeightsCache.readTensor(model, config.layout().finalNorm());
            float[] lmHead = LayerWeightsCache.readTensor(model, config.tieWordEmbeddings()
                    ? config.layout().embedTokens() : config.layout().lmHead());
            int vocab = config.vocabSize();
            if (v.rotated()) {
                lmHead = ModelRotation.rotateLmHead(lmHead, finalNorm, vocab, plan.modelRotations().get(v.rotation()));
                finalNorm = new float[finalNorm.length];
                java.util.Arrays.fill(finalNorm, 1f);
            }
            head = new OutputHead(finalNorm, lmHead, vocab, config.rmsNormEps());
            HEADS.put(key, head);
        }
        return head;
    }

    /** Frees everything (after the evaluation). */
    static synchronized void clear() {
        LAYERS.values().forEach(NativeLayerWeights::close);
        LAYERS.clear();
        HEADS.values().forEach(OutputHead::close);
        HEADS.clear();
    }

    private static LayerWeights rtn(LayerWeights w, DecoderShape s, LinearScalesSolver.Options options) {
        Map<String, float[]> q = new HashMap<>();
        for (LinearGroup group : LinearGroup.values()) {
            for (String linear : group.linears()) {
                q.put(linear, LinearScalesSolver.rtnWeights(LinearGroup.weight(w, linear),
                        LinearGroup.outWidth(s, linear), LinearGroup.inWidth(s, linear), options));
            }
        }
        return LinearGroup.withLinears(w, q);
    }

}
