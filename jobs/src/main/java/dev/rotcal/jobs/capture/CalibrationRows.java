package dev.rotcal.jobs.capture;

import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Lays the captured rows out for the refine stage, which reads all of them every iteration: pieces of at
 * most {@code maxRows} rows (big enough for efficient GEMMs, small enough to spread), numbered in capture
 * order and dealt round-robin to {@code partitions} partitions, sorted by number inside each. The layout is
 * a pure function of the captured rows and the two sizes, so the same config gives the same partitions and
 * the same accumulation order on any cluster: the basis of bit-identical runs.
 */
public final class CalibrationRows {
    private CalibrationRows() {
    }

    /** Returns the persisted, materialized layout and releases the per-layer captures. */
    public static JavaRDD<ActivationChunk> distribute(JavaSparkContext sc, List<JavaRDD<ActivationChunk>> captured,
                                                      int maxRows, int partitions, StorageLevel level) {
        @SuppressWarnings("unchecked")
        JavaRDD<ActivationChunk> all = sc.union(captured.toArray(new JavaRDD[0]));
        JavaRDD<ActivationChunk> layout = all
                .flatMap(chunk -> chunk.split(maxRows).iterator())
                .zipWithIndex()
                .mapToPair(Tuple2::swap)
                .repartitionAndSortWithinPartitions(new HashPartitioner(partitions)) // Long key k → k mod P
                .values()
                .setName("calibration rows")
                .persist(level);
        layout.count();
        captured.forEach(rdd -> rdd.unpersist(false));
        return layout;
    }
}
