package dev.rotcal.jobs.scales;

import dev.rotcal.scales.LinearGroup;
import java.io.Serializable;
import org.apache.spark.Partitioner;

/** One scales task: a linear group of a layer (one Spark job per layer). */
record GroupKey(int layer, LinearGroup group) implements Serializable {

    /** One partition (task) per linear group of one layer. */
    static final class ByGroup extends Partitioner {
        private static final long serialVersionUID = 1L;

        @Override
        public int numPartitions() {
            return LinearGroup.values().length;
        }

        @Override
        public int getPartition(Object key) {
            return ((GroupKey) key).group().ordinal();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByGroup;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }
}
