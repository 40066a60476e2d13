package dev.rotcal.jobs.config;

import java.io.Serializable;

/**
 * {@code rotcal.spark}.
 *
 * @param master             the Spark master; "" = whatever spark-submit / SparkConf says
 * @param partitions         partitions of the calibration rows; 0 = spark.default.parallelism
 * @param blasThreadsPerTask BLAS threads per task (≥ 1)
 * @param driverBlasThreads  BLAS threads of the driver's solve (0 = all the driver's cores)
 */
public record SparkSettings(String master, int partitions, int blasThreadsPerTask, int driverBlasThreads)
        implements Serializable {

    /** The driver's BLAS threads, with 0 resolved to this JVM's cores. */
    public int resolvedDriverBlasThreads() {
        return driverBlasThreads > 0 ? driverBlasThreads : Runtime.getRuntime().availableProcessors();
    }

    public boolean hasMaster() {
        return !master.isEmpty();
    }
}
