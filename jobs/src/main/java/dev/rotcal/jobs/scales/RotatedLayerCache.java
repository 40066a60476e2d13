package dev.rotcal.jobs.scales;

import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.NativeLayerWeights;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearScalesSolver;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkEnv;

/**
 * One executor JVM's rotated layer of the scales pass, in native memory: R1 folded, R2 in v_proj / o_proj, R4's
 * offline half in down_proj, with float weights or, for the sequential pass, the staged GPTQ weights. Built once per
 * JVM and (layer, weights) and shared by its tasks; asking for another layer frees the others (the pass runs one
 * layer per Spark stage).
 */
final class RotatedLayerCache {
    private record Key(String modelUri, int layer, boolean gptq) {
    }

    private static final Map<Key, NativeLayerWeights> LAYERS = new HashMap<>();
    private static final Map<Key, LayerWeights> ROTATED = new HashMap<>(); // float weights, key.gptq false

    private RotatedLayerCache() {
    }

    /**
     * @param gptq where the layer's GPTQ weights are staged, or null for the float weights
     */
    static synchronized NativeLayerWeights layer(ModelSource model, ModelConfig config, int layer, double[] r1,
                                                 StagedGptqWeights gptq, LinearScalesSolver.Options options) {
        Key key = new Key(model.uri(), layer, gptq != null);
        NativeLayerWeights cached = LAYERS.get(key);
        if (cached != null) {
            return cached;
        }
        LAYERS.entrySet().removeIf(e -> {
            boolean other = e.getKey().layer() != layer || !e.getKey().modelUri().equals(model.uri());
            if (other) {
                e.getValue().close();
            }
            return other;
        });
        DecoderShape shape = DecoderShape.of(config);
        LayerWeights w = rotated(model, config, layer, r1);
        if (gptq != null) {
            w = LinearGroup.withLinears(w, gptq.read(layer, shape, options));
        }
        NativeLayerWeights nw = NativeLayerWeights.copyOf(w, shape);
        LAYERS.put(key, nw);
        return nw;
    }

    /**
     * The layer's float weights rotated (on the heap, shared by every task of this JVM: rotating a LLaMA-3-8B layer is
     * ≈ 1.8 TFLOP in double, done once per JVM and layer instead of once per task); other layers are dropped.
     */
    static synchronized LayerWeights rotated(ModelSource model, ModelConfig config, int layer, double[] r1) {
        Key key = new Key(model.uri(), layer, false);
        LayerWeights cached = ROTATED.get(key);
        if (cached == null) {
            ROTATED.clear();
            // every task of this JVM that needs the layer waits on this lock: the rotation gets the executor's cores
            int threads = DenseLinearAlgebra.blasThreads();
            DenseLinearAlgebra.setBlasThreads(executorCores());
            try {
                cached = ModelRotation.rotateLayer(LayerWeightsCache.readFloats(model, config, layer), r1,
                        DecoderShape.of(config), true, true);
            } finally {
                DenseLinearAlgebra.setBlasThreads(threads);
            }
            ROTATED.put(key, cached);
        }
        return cached;
    }

    /** The executor's cores: spark.executor.cores when set (a cluster), else the JVM's processors (local mode). */
    private static int executorCores() {
        int processors = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        if (env == null || !env.conf().contains("spark.executor.cores")) {
            return processors;
        }
        return Math.max(1, Math.min(processors, env.conf().getInt("spark.executor.cores", processors)));
    }

    /** Frees everything (after the pass). */
    static synchronized void clear() {
        LAYERS.values().forEach(NativeLayerWeights::close);
        LAYERS.clear();
        ROTATED.clear();
    }
}
