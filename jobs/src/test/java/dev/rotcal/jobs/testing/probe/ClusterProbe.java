package dev.rotcal.jobs.testing.probe;

import java.io.Serializable;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A tiny Spark application that reports where its tasks ran, for the integration tests of the cluster harness.
 * It is not in the shaded jar: Maven packages this package alone as rotcal-jobs-*-probe.jar, which the tests
 * pass with {@code --jars} next to the shaded jar (the application jar).
 *
 * <p>One job over {@code partitions} partitions (argument 1, default 4); each task records its executor id,
 * host, JVM pid, the jar its executor loaded rotcal's CLI class from, and a float sum over the partition's rows
 * in row order. The driver adds the partition sums in partition order, so the total is bit-for-bit the same on any
 * cluster. Prints one line: {@value #MARKER} followed by a JSON object.
 */
public final class ClusterProbe {
    public static final String MARKER = "ROTCAL_PROBE ";
    static final int ROWS_PER_PARTITION = 200_000;
    static final String ROTCAL_CLASS = "dev.rotcal.jobs.RotcalCli";

    private ClusterProbe() {
    }

    /** What one task saw. */
    public record PartitionReport(int partition, String executorId, String host, long pid, String rotcalJar,
                                  float sum) implements Serializable {
    }

    public static void main(String[] args) {
        int partitions = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        long start = System.nanoTime();
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("rotcal-cluster-probe"))) {
            long contextMillis = (System.nanoTime() - start) / 1_000_000;
            sc.setJobGroup("rotcal-cluster-probe", String.format(
                    "cluster probe: executor, host and a float sum of %d rows in each of %d partitions",
                    ROWS_PER_PARTITION, partitions), false);
            long jobStart = System.nanoTime();
            List<Integer> indices = IntStream.range(0, partitions).boxed().collect(Collectors.toList());
            List<PartitionReport> reports = new ArrayList<>(sc.parallelize(indices, partitions)
                    .map(partition -> report(partition))
                    .collect());
            long firstJobMillis = (System.nanoTime() - jobStart) / 1_000_000;
            reports.sort(Comparator.comparingInt(PartitionReport::partition));
            float total = 0f;
            for (PartitionReport report : reports) {
                total += report.sum();
            }
            System.out.println(MARKER + json(sc, contextMillis, firstJobMillis, total, reports));
        }
    }

    static PartitionReport report(int partition) {
        float sum = 0f;
        long first = (long) partition * ROWS_PER_PARTITION;
        for (long row = first; row < first + ROWS_PER_PARTITION; row++) {
            sum += (float) StrictMath.sin(row * 1e-3) * 1e-3f; // StrictMath: the same bits on every JVM
        }
        // Hold the task slot a moment: tasks of a few milliseconds can all finish on the first executor to take
        // an offer before the second one takes any, and the IT asserts that both executors ran tasks.
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        SparkEnv env = SparkEnv.get();
        return new PartitionReport(TaskContext.getPartitionId(), env.executorId(),
                env.blockManager().blockManagerId().host(), ProcessHandle.current().pid(), rotcalJar(), sum);
    }

    /** The jar this JVM loaded rotcal's CLI from (the shipped shaded jar, if all is well). */
    private static String rotcalJar() {
        try {
            Class<?> cli = Class.forName(ROTCAL_CLASS, false, Thread.currentThread().getContextClassLoader());
            CodeSource source = cli.getProtectionDomain().getCodeSource();
            URL location = source == null ? null : source.getLocation();
            return location == null ? "unknown" : location.getPath();
        } catch (ClassNotFoundException e) {
            return "missing";
        }
    }

    private static String json(JavaSparkContext sc, long contextMillis, long firstJobMillis, float total,
                               List<PartitionReport> reports) {
        String partitions = reports.stream().map(r -> String.format(
                "{\"partition\":%d,\"executorId\":\"%s\",\"host\":\"%s\",\"pid\":%d,\"rotcalJar\":\"%s\","
                        + "\"sum\":%s,\"sumBits\":%d}",
                r.partition(), r.executorId(), r.host(), r.pid(), r.rotcalJar(), Float.toString(r.sum()),
                Float.floatToIntBits(r.sum()))).collect(Collectors.joining(","));
        return String.format("{\"master\":\"%s\",\"applicationId\":\"%s\",\"contextMillis\":%d,\"firstJobMillis\":%d,"
                        + "\"total\":%s,\"totalBits\":%d,\"partitions\":[%s]}",
                sc.master(), sc.sc().applicationId(), contextMillis, firstJobMillis, Float.toString(total),
                Float.floatToIntBits(total), partitions);
    }
}
