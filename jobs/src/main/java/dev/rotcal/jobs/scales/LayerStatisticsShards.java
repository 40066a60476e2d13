package dev.rotcal.jobs.scales;

import dev.rotcal.scales.HessianAccumulator;
import dev.rotcal.scales.HessianBand;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearInput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * One layer's calibration statistics, kept on the executors (DESIGN.md §2.5): the partitions' partial
 * {@link LayerStatistics} are cut into pieces (the Hessian-free summary and bands of each input's Hessian of at most
 * {@link #BAND_BYTES}), shuffled by piece and merged on the executors in partition order — a fixed order, so the sums
 * are bit-identical for the same partitioning on any cluster — and the merged pieces stay persisted there until the
 * scales stage consumes them. The driver never holds a Hessian.
 */
public final class LayerStatisticsShards {
    /** Largest Hessian band that travels as one record: 32 MiB (1,024 rows of a 4,096-wide Hessian). */
    public static final long BAND_BYTES = 32L << 20;

    private final JavaPairRDD<StatisticPiece.Id, StatisticPiece> pieces;

    private LayerStatisticsShards(JavaPairRDD<StatisticPiece.Id, StatisticPiece> pieces) {
        this.pieces = pieces;
    }

    /**
     * Reduces a layer's partials (at most one per partition) and keeps the merged pieces, persisted and
     * materialized, on the executors' local disks ({@code DISK_ONLY}, whatever the capture's storage level): they are
     * read once, by the solve tasks, and a layer's Hessians are GiBs at real widths (4.3 GiB at LLaMA-70B's) that in
     * the block manager's memory would sit on the heap beside the solve tasks' own arrays — Spark cannot evict them
     * for user allocations (the 70B-shaped layer's GPTQ tasks ran out of heap so).
     *
     * @param partials   the layer's per-partition statistics
     * @param partitions partitions of the merged pieces
     */
    public static LayerStatisticsShards reduce(int layer, JavaRDD<LayerStatistics> partials, int partitions) {
        JavaPairRDD<StatisticPiece.Id, StatisticPiece> merged = partials
                .mapPartitionsWithIndex((source, it) -> pieces(source, it), true).mapToPair(t -> t)
                .repartitionAndSortWithinPartitions(new ByPiece(Math.max(1, partitions)), new TaggedOrder())
                .mapPartitionsToPair(LayerStatisticsShards::mergeRuns, true)
                .setName("scales statistics of layer " + layer)
                .persist(StorageLevel.DISK_ONLY());
        merged.count();
        return new LayerStatisticsShards(merged);
    }

    /** The merged pieces, on the executors. */
    public JavaPairRDD<StatisticPiece.Id, StatisticPiece> pieces() {
        return pieces;
    }

    /**
     * The merged statistics gathered on the driver, Hessians included — for tests and inspection of small models
     * only: the scales stage never calls it.
     */
    public LayerStatistics collect() {
        LayerStatistics summary = null;
        Map<LinearInput, List<HessianBand>> bands = new EnumMap<>(LinearInput.class);
        for (StatisticPiece p : pieces.values().collect()) {
            if (p.isSummary()) {
                summary = p.summary();
            } else {
                bands.computeIfAbsent(p.input(), k -> new ArrayList<>()).add(p.band());
            }
        }
        if (summary == null) {
            throw new IllegalStateException("[BUG] no statistics summary among the merged pieces");
        }
        if (bands.isEmpty()) {
            return summary;
        }
        Map<LinearInput, HessianAccumulator> hessians = new EnumMap<>(LinearInput.class);
        for (LinearInput input : LinearInput.values()) {
            hessians.put(input, HessianAccumulator.assemble(summary.input(input).width(), bands.get(input)));
        }
        return summary.withHessians(hessians);
    }

    /** Frees the executors' copies. */
    public void unpersist() {
        pieces.unpersist(false);
    }

    /**
     * A partition's pieces, made one at a time as the shuffle writer asks for them: at most one band's copy exists
     * beside the partial's own Hessians (a band is ≤ {@link #BAND_BYTES}, the Hessians of a layer several GiB).
     */
    private static Iterator<Tuple2<Tagged, StatisticPiece>> pieces(int source, Iterator<LayerStatistics> it) {
        List<java.util.function.Supplier<Tuple2<Tagged, StatisticPiece>>> makers = new ArrayList<>();
        while (it.hasNext()) {
            LayerStatistics s = it.next();
            if (s.options().hessians()) {
                for (LinearInput input : LinearInput.values()) {
                    HessianAccumulator h = s.input(input).hessian();
                    int rowsPerBand = HessianBand.rowsPerBand(h.in(), BAND_BYTES);
                    for (int first = 0; first < h.in(); first += rowsPerBand) {
                        int from = first;
                        int count = Math.min(rowsPerBand, h.in() - first);
                        makers.add(() -> {
                            StatisticPiece p = StatisticPiece.band(s.layer(), input, h.band(from, count));
                            return new Tuple2<>(new Tagged(p.id(), source), p);
                        });
                    }
                }
            }
            makers.add(() -> {
                StatisticPiece summary = StatisticPiece.summary(s.withoutHessians());
                return new Tuple2<>(new Tagged(summary.id(), source), summary);
            });
        }
        return makers.stream().map(java.util.function.Supplier::get).iterator();
    }

    /** Merges each run of equal ids (sorted by source partition within the run) into one piece, streaming. */
    private static Iterator<Tuple2<StatisticPiece.Id, StatisticPiece>> mergeRuns(
            Iterator<Tuple2<Tagged, StatisticPiece>> sorted) {
        return new Iterator<>() {
            private Tuple2<Tagged, StatisticPiece> next = sorted.hasNext() ? sorted.next() : null;

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Tuple2<StatisticPiece.Id, StatisticPiece> next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                StatisticPiece.Id id = next._1().id();
                StatisticPiece acc = next._2();
                next = null;
                while (sorted.hasNext()) {
                    Tuple2<Tagged, StatisticPiece> t = sorted.next();
                    if (!t._1().id().equals(id)) {
                        next = t;
                        break;
                    }
                    acc = acc.merge(t._2());
                }
                return new Tuple2<>(id, acc);
            }
        };
    }

    /** A piece's id and the capture partition it came from: the shuffle key. */
    record Tagged(StatisticPiece.Id id, int source) implements Serializable {
    }

    /** Sorts by piece, then by source partition: the merge order. */
    static final class TaggedOrder implements Comparator<Tagged>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tagged a, Tagged b) {
            int c = a.id().compareTo(b.id());
            return c != 0 ? c : Integer.compare(a.source(), b.source());
        }
    }

    /** All partials of one piece go to the same partition, whatever their source. */
    static final class ByPiece extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;

        ByPiece(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return Math.floorMod(((Tagged) key).id().hashCode(), partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByPiece b && b.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }
}
