package dev.rotcal.jobs;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * The Hadoop settings rotcal reads and writes files with: spark-submit's {@code --conf spark.hadoop.*} (in
 * the driver's SparkConf) overlaid with {@code rotcal.hadoop.*} from the rotcal config. The same map builds
 * the driver's {@code HadoopStorage} for the preflight checks (before any SparkContext exists) and is set on
 * the SparkConf, so executors see the same file systems.
 */
public final class HadoopSettings {
    private HadoopSettings() {
    }

    /**
     * S3A's retry budget unless the user sets it: Hadoop 3.3's defaults (20 SDK attempts, 7 S3A retries with growing
     * pauses, 200 s socket timeout) kept an unreachable store silent for minutes. With these an operation on a dead
     * endpoint fails in seconds, and the preflight retries it visibly ({@code Preflight}, one line per attempt).
     */
    public static final Map<String, String> S3A_DEFAULTS = Map.of(
            "fs.s3a.attempts.maximum", "3",
            "fs.s3a.retry.limit", "3",
            "fs.s3a.retry.interval", "1s",
            "fs.s3a.connection.establish.timeout", "10000",
            "fs.s3a.connection.timeout", "60000");

    /**
     * What Spark redacts in its UI, event log and logs: Spark's default, {@code (?i)secret|password|token|access[.]key},
     * misses {@code AWS_ACCESS_KEY_ID} (e.g. {@code spark.executorEnv.AWS_ACCESS_KEY_ID}), which this also covers.
     */
    public static final String REDACTION_REGEX = "(?i)secret|password|token|access[._-]?key";

    public static Map<String, String> of(SparkConf sparkConf, Map<String, String> rotcalHadoop) {
        Map<String, String> merged = new TreeMap<>(S3A_DEFAULTS);
        for (Tuple2<String, String> kv : sparkConf.getAllWithPrefix("spark.hadoop.")) {
            merged.put(kv._1(), kv._2());
        }
        merged.putAll(rotcalHadoop);
        return merged;
    }

    /**
     * Sets them on the SparkConf as spark.hadoop.* so the SparkContext's hadoopConfiguration carries them, and
     * {@link #REDACTION_REGEX} unless spark.redaction.regex is set.
     */
    public static SparkConf apply(SparkConf sparkConf, Map<String, String> hadoop) {
        sparkConf.setIfMissing("spark.redaction.regex", REDACTION_REGEX);
        hadoop.forEach((k, v) -> sparkConf.set("spark.hadoop." + k, v));
        return sparkConf;
    }
}
