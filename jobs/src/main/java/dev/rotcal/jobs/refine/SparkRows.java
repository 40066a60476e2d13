package dev.rotcal.jobs.refine;

import dev.rotcal.dfrot.LossQuantizer;
import dev.rotcal.dfrot.PassSeconds;
import dev.rotcal.dfrot.ProcrustesAccumulator;
import dev.rotcal.dfrot.WeightedRows;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.spark.DeterministicTreeAggregate;
import dev.rotcal.jobs.spark.JobGroups;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The calibration rows as DFRot's loop sees them, spread over the cluster: each pass broadcasts R, every
 * partition adds its chunks into an accumulator, the accumulators are merged in a fixed order
 * ({@link DeterministicTreeAggregate}) and the broadcast is destroyed.
 */
public final class SparkRows implements WeightedRows {
    private final JavaSparkContext sc;
    private final JavaRDD<ActivationChunk> rows;
    private final Broadcast<long[]> massiveKeys;
    private final double alpha;
    private final int d;
    private final int blasThreads;
    private final String label;
    private final int bits;          // the loss quantizer
    private final float clipRatio;
    private int passes;
    private PassSeconds lastPass;

    /**
     * @param rows        the persisted calibration rows
     * @param massiveKeys sorted keys of the rows weighted by α
     * @param label       names the passes in the Spark UI ("refine α=100")
     */
    public SparkRows(JavaSparkContext sc, JavaRDD<ActivationChunk> rows, Broadcast<long[]> massiveKeys, double alpha,
                     int d, int blasThreads, String label) {
        this(sc, rows, massiveKeys, alpha, d, blasThreads, label, LossQuantizer.BITS, LossQuantizer.CLIP_RATIO);
    }

    /** As above, with the loss quantizer's bits and clip ratio (rotcal.refine.bits / clip-ratio). */
    public SparkRows(JavaSparkContext sc, JavaRDD<ActivationChunk> rows, Broadcast<long[]> massiveKeys, double alpha,
                     int d, int blasThreads, String label, int bits, float clipRatio) {
        this.sc = sc;
        this.rows = rows;
        this.massiveKeys = massiveKeys;
        this.alpha = alpha;
        this.d = d;
        this.blasThreads = blasThreads;
        this.label = label;
        this.bits = bits;
        this.clipRatio = clipRatio;
    }

    @Override
    public int d() {
        return d;
    }

    @Override
    public java.util.Optional<PassSeconds> lastPass() {
        return java.util.Optional.ofNullable(lastPass);
    }

    @Override
    public ProcrustesAccumulator accumulate(double[] r) {
        long start = System.nanoTime();
        Broadcast<double[]> rotation = sc.broadcast(r);
        double broadcast = (System.nanoTime() - start) / 1e9;
        passes++;
        try (JobGroups.Group g = JobGroups.enter(sc, "refine", "%s: pass %d, C = A_wᵀ·Q(A_w·R) over %d partitions",
                label, passes, rows.getNumPartitions())) {
            JavaRDD<ProcrustesAccumulator> partials = rows.mapPartitions(
                    new AccumulatePartition(rotation, massiveKeys, alpha, d, blasThreads, bits, clipRatio));
            DeterministicTreeAggregate.Timed<ProcrustesAccumulator> merged = DeterministicTreeAggregate.mergeTimed(
                    partials, ProcrustesAccumulator::merge, new ProcrustesAccumulator(d, bits, clipRatio));
            lastPass = new PassSeconds(broadcast, merged.jobSeconds(), merged.driverMergeSeconds());
            return merged.value();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("[BUG] merging accumulators failed: " + e, e);
        } finally {
            rotation.destroy();
        }
    }
}
