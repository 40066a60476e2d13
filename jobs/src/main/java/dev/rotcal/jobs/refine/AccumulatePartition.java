package dev.rotcal.jobs.refine;

import dev.rotcal.dfrot.ProcrustesAccumulator;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.linalg.DenseLinearAlgebra;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side of one refine iteration: a partition's chunks, in order, added into one
 * {@link ProcrustesAccumulator} at the broadcast rotation, massive rows weighted by α.
 */
public final class AccumulatePartition implements FlatMapFunction<Iterator<ActivationChunk>, ProcrustesAccumulator> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<double[]> rotation;  // (d, d) row-major R of this iteration
    private final Broadcast<long[]> massiveKeys; // sorted row keys of the massive rows
    private final double alpha;
    private final int d;
    private final int blasThreads;
    private final int bits;          // the loss quantizer (rotcal.refine.bits, clip-ratio)
    private final float clipRatio;

    public AccumulatePartition(Broadcast<double[]> rotation, Broadcast<long[]> massiveKeys, double alpha, int d,
                               int blasThreads, int bits, float clipRatio) {
        this.rotation = rotation;
        this.massiveKeys = massiveKeys;
        this.alpha = alpha;
        this.d = d;
        this.blasThreads = blasThreads;
        this.bits = bits;
        this.clipRatio = clipRatio;
    }

    @Override
    public Iterator<ProcrustesAccumulator> call(Iterator<ActivationChunk> chunks) {
        LayerWeightsCache.clear(); // for a JVM that ran capture tasks but no scan task (see LayerWeightsCache#clear)
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        double[] r = rotation.value();
        long[] keys = massiveKeys.value();
        ProcrustesAccumulator accumulator = new ProcrustesAccumulator(d, bits, clipRatio);
        while (chunks.hasNext()) {
            ActivationChunk chunk = chunks.next();
            int n = chunk.rowCount();
            float[] weights = new float[n]; // (n) α for massive rows, 1 for common ones
            boolean[] massive = new boolean[n];
            for (int i = 0; i < n; i++) {
                massive[i] = Arrays.binarySearch(keys, chunk.rowKey(i)) >= 0;
                weights[i] = massive[i] ? (float) alpha : 1f;
            }
            accumulator.add(chunk.rows(), n, weights, massive, r);
        }
        return List.of(accumulator).iterator();
    }
}
