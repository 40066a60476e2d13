package dev.rotcal.jobs.scales;

import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.jobs.spark.DeterministicTreeAggregate;
import dev.rotcal.jobs.spark.JobGroups;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.scales.InputStatistics;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * The part of the scales statistics that depends on R1: one pass over the persisted calibration rows (like one
 * refine iteration) that rotates every chunk by each of a few rotations (DFRot's R1, and the random Hadamard the
 * evaluation compares with) and measures, per layer and site, the per-token activation clip sweep and the
 * per-channel max |x| of x · R.
 */
public final class RotatedInputsStage {

    /** Which rotation a statistic was measured under. */
    public record Key(int layer, RowSite site, String rotation) implements Serializable {
    }

    private RotatedInputsStage() {
    }

    /**
     * @param rotations name → (d, d) row-major rotation R (rows become x · R)
     * @return per (layer, site, rotation) the statistics of the rotated rows, merged in partition order
     */
    public static Map<Key, InputStatistics> run(JavaSparkContext sc, JavaRDD<ActivationChunk> rows,
                                                Map<String, float[]> rotations, int d, int bits, int blasThreads) {
        Broadcast<Map<String, float[]>> broadcast = sc.broadcast(Map.copyOf(rotations));
        try (JobGroups.Group g = JobGroups.enter(sc, "scales-rotated-inputs",
                "scales: clip sweeps of the calibration rows under %s", rotations.keySet())) {
            JavaRDD<HashMap<Key, InputStatistics>> partials = rows.mapPartitions(
                    new MeasurePartition(broadcast, d, bits, blasThreads));
            return DeterministicTreeAggregate.merge(partials, RotatedInputsStage::merge, new HashMap<>());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot measure the rotated calibration rows: " + e.getMessage(), e);
        } finally {
            broadcast.destroy();
        }
    }

    private static HashMap<Key, InputStatistics> merge(HashMap<Key, InputStatistics> a,
                                                       HashMap<Key, InputStatistics> b) {
        b.forEach((k, v) -> a.merge(k, v, InputStatistics::merge));
        return a;
    }

    /** Executor side: one partition's chunks, each rotated by every R, into one map of statistics. */
    static final class MeasurePartition
            implements FlatMapFunction<Iterator<ActivationChunk>, HashMap<Key, InputStatistics>> {
        private static final long serialVersionUID = 1L;

        private final Broadcast<Map<String, float[]>> rotations;
        private final int d;
        private final int bits;
        private final int blasThreads;

        MeasurePartition(Broadcast<Map<String, float[]>> rotations, int d, int bits, int blasThreads) {
            this.rotations = rotations;
            this.d = d;
            this.bits = bits;
            this.blasThreads = blasThreads;
        }

        @Override
        public Iterator<HashMap<Key, InputStatistics>> call(Iterator<ActivationChunk> chunks) {
            LayerWeightsCache.clear();
            DenseLinearAlgebra.setBlasThreads(blasThreads);
            HashMap<Key, InputStatistics> stats = new HashMap<>();
            while (chunks.hasNext()) {
                ActivationChunk chunk = chunks.next();
                int n = chunk.rowCount();
                for (Map.Entry<String, float[]> r : rotations.value().entrySet()) {
                    float[] rotated = new float[n * d]; // (n, d) x · R
                    DenseLinearAlgebra.gemm(false, false, n, d, d, 1f, chunk.rows(), r.getValue(), 0f, rotated);
                    stats.computeIfAbsent(new Key(chunk.layer(), chunk.site(), r.getKey()),
                                    k -> new InputStatistics(d, bits, true, false, 0))
                            .add(rotated, n, 0);
                }
            }
            return List.of(stats).iterator();
        }
    }
}
