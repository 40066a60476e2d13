package dev.rotcal.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.jobs.testing.probe.ClusterProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster harness itself: a real standalone Master and 2 Workers on 127.0.0.1, the shaded jar submitted
 * through org.apache.spark.deploy.SparkSubmit, and the probe application (the probe jar, {@code --jars}) showing
 * that both executors ran tasks, that they loaded rotcal from the shipped shaded jar, and that a float result
 * computed in a fixed order is bit-for-bit the one local mode gives.
 */
class StandaloneClusterIT {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WORKERS = 2;
    private static final int PARTITIONS = 4;

    @Test
    void probeUsesBothExecutorsAndMatchesLocalMode() throws Exception {
        IntegrationBuild build = IntegrationBuild.fromSystemProperties();

        JsonNode local = probe(build, SparkSubmitRunner.local(build, 2), "local[2]", () -> "");
        JsonNode cluster;
        try (StandaloneSparkCluster spark = StandaloneSparkCluster.start(build, WORKERS)) {
            assertThat(spark.masterUrl()).as("the master should listen on loopback").startsWith("spark://127.0.0.1:");
            assertThat(spark.masterStatus().path("aliveworkers").asInt())
                    .as("the master should list both workers alive").isEqualTo(WORKERS);
            // Wait for both 1-core executors before scheduling, or the first executor may run every task.
            cluster = probe(build, SparkSubmitRunner.on(build, spark)
                            .conf("spark.cores.max", Integer.toString(WORKERS))
                            .conf("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                            .conf("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s"),
                    spark.masterUrl(), spark::diagnostics);
            String applicationId = cluster.path("applicationId").asText();
            assertThat(spark.tasksPerExecutor(applicationId))
                    .as("the executors' logs should show the tasks the probe reports: %s", cluster)
                    .isEqualTo(tasksPerExecutor(cluster));
            LOG.info("start-up: master up {} ms, {} workers registered {} ms later; probe on the cluster: "
                            + "SparkContext {} ms, first job (executors start included) {} ms",
                    spark.masterStartMillis(), WORKERS, spark.workersStartMillis(),
                    cluster.path("contextMillis").asLong(), cluster.path("firstJobMillis").asLong());
        }
        LOG.info("probe in local[2]: SparkContext {} ms, first job {} ms",
                local.path("contextMillis").asLong(), local.path("firstJobMillis").asLong());

        Set<String> executors = new TreeSet<>();
        for (JsonNode partition : cluster.path("partitions")) {
            executors.add(partition.path("executorId").asText());
            assertThat(partition.path("host").asText()).as("partition %s should run on loopback", partition)
                    .isEqualTo("127.0.0.1");
            assertThat(partition.path("rotcalJar").asText())
                    .as("executors should load rotcal from the submitted shaded jar, not from SPARK_HOME/jars")
                    .endsWith("-shaded.jar");
        }
        assertThat(executors).as("both workers' executors should run tasks: %s", cluster)
                .hasSize(WORKERS).doesNotContain("driver");
        assertThat(local.path("partitions").findValuesAsText("executorId")).as("local mode runs in the driver")
                .containsOnly("driver");

        assertThat(sums(cluster)).as("each partition's float sum should be the same bits on the cluster as locally")
                .isEqualTo(sums(local));
        assertThat(cluster.path("totalBits").asInt()).as("the total, added in partition order, should be the same "
                + "bits on the cluster (%s) as locally (%s)", cluster.path("total"), local.path("total"))
                .isEqualTo(local.path("totalBits").asInt());
    }

    /** Submits the probe (the shaded jar as the application, the probe jar with --jars) and parses its report. */
    private static JsonNode probe(IntegrationBuild build, SparkSubmitRunner runner, String master,
                                  Supplier<String> clusterDiagnostics) throws Exception {
        SparkSubmitResult result = runner.jars(build.probeJar())
                .submit(ClusterProbe.class.getName(), Integer.toString(PARTITIONS));
        String why = result.describe() + "\n" + clusterDiagnostics.get();
        assertThat(result.exitCode()).as("the probe should exit 0 on %s:\n%s", master, why).isZero();
        String line = result.stdoutLineAfter(ClusterProbe.MARKER).orElse(null);
        assertThat(line).as("the probe should print its report on %s:\n%s", master, why).isNotNull();
        JsonNode report = JSON.readTree(line);
        assertThat(report.path("master").asText()).as("the probe should have run against %s", master)
                .isEqualTo(master);
        assertThat(report.path("partitions").size()).as("one report per partition").isEqualTo(PARTITIONS);
        if (master.startsWith("spark://")) {
            assertThat(result.applicationId()).as("the driver's log should name the application the master ran")
                    .contains(report.path("applicationId").asText());
        }
        return report;
    }

    private static Map<String, Integer> tasksPerExecutor(JsonNode report) {
        Map<String, Integer> tasks = new TreeMap<>();
        report.path("partitions").forEach(partition -> tasks.merge(partition.path("executorId").asText(), 1, Integer::sum));
        return tasks;
    }

    private static List<Integer> sums(JsonNode report) {
        List<Integer> bits = new ArrayList<>();
        report.path("partitions").forEach(partition -> bits.add(partition.path("sumBits").asInt()));
        return bits;
    }
}
