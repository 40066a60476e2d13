package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.spark}.
 *
 * @param master             the Spark master; "" = whatever spark-submit / SparkConf says
 * @param partitions         partitions of the calibration rows; 0 = spark.default.parallelism
 * @param blasThreadsPerTask BLAS threads per task (≥ 1)
 */
public record SparkSettings(String master, int partitions, int blasThreadsPerTask) implements Serializable {

    public boolean hasMaster() {
        return !master.isEmpty();
    }
}
