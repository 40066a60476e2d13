package dev.rotcal.jobs.scales;

import dev.rotcal.scales.LinearGroup;
import java.io.Serializable;
import org.apache.spark.Partitioner;

/** One scales task: a linear group of a layer. */
record GroupKey(int layer, LinearGroup group) implements Serializable {

    /** Task (partition) index: layer-major, groups in enum order. */
    int index() {
        return layer * LinearGroup.values().length + group.ordinal();
    }

    /** One partition per (layer, group) of {@code layers} layers. */
    static final class Partitions extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int layers;

        Partitions(int layers) {
            this.layers = layers;
        }

        @Override
        public int numPartitions() {
            return layers * LinearGroup.values().length;
        }

        @Override
        public int getPartition(Object key) {
            return ((GroupKey) key).index();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Partitions p && p.layers == layers;
        }

        @Override
        public int hashCode() {
            return layers;
        }
    }
}
