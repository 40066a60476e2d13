package dev.rotcal.jobs.scales;

import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.NativeLayerWeights;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.scales.LinearScalesSolver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;

/**
 * One executor JVM's rotated layer of the scales pass — exactly one, in native memory: R1 folded, R2 in v_proj /
 * o_proj, R4's offline half in down_proj, with the float weights (the layer's statistics, its solves and, with float
 * inputs, its forward) or, for the sequential pass's forward, the staged GPTQ weights. Built once per JVM and (layer,
 * weights) and shared by its tasks; asking for another layer or the other weights frees it first. At LLaMA-3-70B
 * widths one rotated layer is 3.2 GiB: the JVM never holds a second copy, on the heap or off it, beyond the
 * rotation's own transient arrays.
 */
final class RotatedLayerCache {
    private record Key(String modelUri, int layer, boolean gptq) {
    }

    private static Key key;                         // what {@link #cached} holds, or null
    private static NativeLayerWeights cached;

    private RotatedLayerCache() {
    }

    /**
     * @param gptq where the layer's GPTQ weights are staged, or null for the float weights
     */
    static synchronized NativeLayerWeights layer(ModelSource model, ModelConfig config, int layer, double[] r1,
                                                 StagedGptqWeights gptq, LinearScalesSolver.Options options) {
        Key want = new Key(model.uri(), layer, gptq != null);
        if (want.equals(key)) {
            return cached;
        }
        if (gptq == null) {
            clear();
            keep(want, rotate(model, config, layer, r1));
            return cached;
        }
        // the GPTQ twin: the layer's statistics and solves are done, its float projections are not needed again
        NativeLayerWeights floats = new Key(model.uri(), layer, false).equals(key) ? cached : null;
        key = null;
        cached = null;
        if (floats == null) {
            floats = rotate(model, config, layer, r1);         // this JVM ran none of the layer's tasks before
        }
        floats.close();                                        // its norms and biases stay readable
        keep(want, gptq.replaceProjections(layer, floats, options));
        return cached;
    }

    /** Heap copies of the float rotated layer's projections {@code linears}, for one solve task. */
    static synchronized Map<String, float[]> projections(ModelSource model, ModelConfig config, int layer,
                                                         double[] r1, List<String> linears) {
        NativeLayerWeights w = layer(model, config, layer, r1, null, null);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String linear : linears) {
            out.put(linear, w.projection(linear));
        }
        return out;
    }

    private static void keep(Key k, NativeLayerWeights w) {
        key = k;
        cached = w;
    }

    /**
     * The layer's float weights rotated, copied into native memory (rotating a LLaMA-3-8B layer is ≈ 1.8 TFLOP in
     * double: once per JVM and layer, on all the executor's cores — every task of this JVM that needs the layer waits
     * on this lock). One projection at a time: read, rotated, copied to native memory and dropped before the next is
     * read, so the heap holds one original and one rotated projection (at LLaMA-70B widths 2 × 0.9 GiB for gate_proj)
     * instead of the whole layer twice (2 × 3.2 GiB).
     */
    private static NativeLayerWeights rotate(ModelSource model, ModelConfig config, int layer, double[] r1) {
        DecoderShape shape = DecoderShape.of(config);
        int threads = DenseLinearAlgebra.blasThreads();
        DenseLinearAlgebra.setBlasThreads(executorCores());
        try {
            return ModelRotation.rotateLayerToNative(t -> LayerWeightsCache.readTensor(model, config, layer, t), r1,
                    shape, true, true);
        } finally {
            DenseLinearAlgebra.setBlasThreads(threads);
        }
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

    /** Frees the layer (another layer next, or after the pass). */
    static synchronized void clear() {
        if (cached != null) {
            cached.close();
        }
        key = null;
        cached = null;
    }
}
