package dev.rotcal.jobs.spark;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * Spark job groups with readable descriptions: every action rotcal runs is under one, so the Spark UI
 * reads "capture: layer 3/32 over 1 sequences × 2048 tokens" instead of "count at …".
 */
public final class JobGroups {
    private JobGroups() {
    }

    /** The current group; closing it clears the group of this thread. */
    public static final class Group implements AutoCloseable {
        private final JavaSparkContext sc;

        private Group(JavaSparkContext sc) {
            this.sc = sc;
        }

        @Override
        public void close() {
            sc.clearJobGroup();
        }
    }

    public static Group enter(JavaSparkContext sc, String id, String format, Object... args) {
        sc.setJobGroup("rotcal-" + id, String.format(format, args), false);
        return new Group(sc);
    }
}
