package dev.rotcal.jobs.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * Merges one partial result per partition in a fixed order, two levels deep like treeAggregate.
 *
 * <p>Spark's {@code treeAggregate} (and {@code reduce}) merge partial results in the order tasks finish, so
 * floating-point sums differ in their last bits from run to run. Here partition i's partial goes to group
 * i / fanIn (fanIn ≈ √P); each group merges its partials in partition order on an executor; the driver
 * merges the groups in group order. The result is a pure function of the partials: the same partitioning
 * gives bit-identical sums on any cluster. Driver memory holds at most ≈ √P partials at once.
 */
public final class DeterministicTreeAggregate {
    private DeterministicTreeAggregate() {
    }

    /**
     * @param partials an RDD with at most one element per partition (e.g. from mapPartitions)
     * @param merge    merges its second argument into its first and returns the first
     * @param empty    the result when there is no partial at all
     */
    public static <T> T merge(JavaRDD<T> partials, Function2<T, T, T> merge, T empty) throws Exception {
        return mergeTimed(partials, merge, empty).value();
    }

    /** The merged value and how long the Spark job and the driver's final merge took. */
    public record Timed<T>(T value, double jobSeconds, double driverMergeSeconds) {
    }

    /** As {@link #merge}, timing the job (the executors' work and their merges) apart from the driver's fold. */
    public static <T> Timed<T> mergeTimed(JavaRDD<T> partials, Function2<T, T, T> merge, T empty) throws Exception {
        long start = System.nanoTime();
        int partitions = partials.getNumPartitions();
        int fanIn = Math.max(2, (int) Math.ceil(Math.sqrt(partitions)));
        List<T> inOrder;
        if (partitions <= fanIn) {
            inOrder = partials.collect(); // collect() returns partitions in index order
        } else {
            int groups = (partitions + fanIn - 1) / fanIn;
            inOrder = partials
                    .mapPartitionsWithIndex((index, it) -> tagged(index, it, fanIn), true)
                    .mapToPair(t -> t)
                    .partitionBy(new HashPartitioner(groups)) // group g < groups lands in partition g
                    .mapPartitions(it -> mergeGroup(it, merge))
                    .collect();
        }
        long collected = System.nanoTime();
        T value = fold(inOrder, merge, empty);
        return new Timed<>(value, (collected - start) / 1e9, (System.nanoTime() - collected) / 1e9);
    }

    private static <T> Iterator<Tuple2<Integer, Tuple2<Integer, T>>> tagged(int index, Iterator<T> it, int fanIn) {
        List<Tuple2<Integer, Tuple2<Integer, T>>> out = new ArrayList<>(1);
        it.forEachRemaining(t -> out.add(new Tuple2<>(index / fanIn, new Tuple2<>(index, t))));
        return out.iterator();
    }

    private static <T> Iterator<T> mergeGroup(Iterator<Tuple2<Integer, Tuple2<Integer, T>>> it,
                                              Function2<T, T, T> merge) throws Exception {
        List<Tuple2<Integer, T>> members = new ArrayList<>();
        it.forEachRemaining(t -> members.add(t._2()));
        if (members.isEmpty()) {
            return List.<T>of().iterator();
        }
        members.sort(Comparator.comparingInt(Tuple2::_1)); // partition order, whatever the shuffle's order
        T acc = members.get(0)._2();
        for (int i = 1; i < members.size(); i++) {
            acc = merge.call(acc, members.get(i)._2());
        }
        return List.of(acc).iterator();
    }

    private static <T> T fold(List<T> inOrder, Function2<T, T, T> merge, T empty) throws Exception {
        if (inOrder.isEmpty()) {
            return empty;
        }
        T acc = inOrder.get(0);
        for (int i = 1; i < inOrder.size(); i++) {
            acc = merge.call(acc, inOrder.get(i));
        }
        return acc;
    }
}
