package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.artifact.VerificationReport;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.jobs.RotcalCli;
import dev.rotcal.jobs.testing.IntegrationBuild;
import dev.rotcal.jobs.testing.SparkSubmitResult;
import dev.rotcal.jobs.testing.SparkSubmitRunner;
import dev.rotcal.jobs.testing.StandaloneSparkCluster;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calibrate command on a real standalone cluster (a Master and 2 one-core Workers on 127.0.0.1), submitted as a
 * user would (the shaded jar through org.apache.spark.deploy.SparkSubmit, client mode), against the same command in
 * local[2] with the same settings and partitioning: both executors run tasks, both artifacts verify, and R1 and the
 * massive-token set are the same.
 *
 * <p>R1 is expected bit for bit: the row layout is a pure function of the config (CalibrationRows), every task runs
 * its GEMMs with the same single BLAS thread in local mode and on a 1-core executor, the refine merges the
 * partitions' accumulators in partition order (DeterministicTreeAggregate), and the Procrustes solve runs on the
 * driver with a fixed BLAS thread count — the same machine's core count for both drivers here.
 */
class CalibrateClusterIT {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrateClusterIT.class);
    private static final int WORKERS = 2;
    private static final String MODEL_NAME = "demo";
    private static final String RUN_ID = "cluster-it";

    @Test
    void clusterRunUsesBothExecutorsAndPublishesTheSameR1AsLocalMode() throws Exception {
        IntegrationBuild build = IntegrationBuild.fromSystemProperties();
        Path dir = Files.createTempDirectory(build.workDir(), "calibrate-cluster-");
        Path model = dir.resolve("demo-model");
        long start = System.nanoTime();
        DemoModel.write(model, DemoModelSpec.defaults());
        DemoCorpus.write(model, DemoModelSpec.defaults(), DemoCorpusSpec.defaults());
        LOG.info("demo model and tokens written to {} in {} ms", model, (System.nanoTime() - start) / 1_000_000);

        // Everything but the output root is the same in both runs; every URI is absolute (the executors' working
        // directories are the workers' folders, not the driver's).
        Path localOut = dir.resolve("out-local");
        Path clusterOut = dir.resolve("out-cluster");
        SparkSubmitResult local = calibrate(SparkSubmitRunner.local(build, 2), model, localOut, "local[2]",
                () -> "");
        String clusterApplication;
        SparkSubmitResult cluster;
        try (StandaloneSparkCluster spark = StandaloneSparkCluster.start(build, WORKERS)) {
            LOG.info("standalone cluster {}: master up in {} ms, {} workers registered {} ms later", spark.masterUrl(),
                    spark.masterStartMillis(), WORKERS, spark.workersStartMillis());
            // Both 1-core executors must register before the first task, or the first one may run everything;
            // 1g heap + 1g overhead fits a worker's 3g.
            cluster = calibrate(SparkSubmitRunner.on(build, spark)
                            .conf("spark.cores.max", Integer.toString(WORKERS))
                            .conf("spark.executor.memory", "1g")
                            .conf("spark.executor.memoryOverhead", "1g")
                            .conf("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                            .conf("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s"),
                    model, clusterOut, spark.masterUrl(), spark::diagnostics);
            clusterApplication = cluster.applicationId().orElse(null);
            assertThat(clusterApplication).as("the driver's log should name the application the master ran:\n%s",
                    cluster.describe()).isNotNull();
            Map<String, Integer> tasks = spark.tasksPerExecutor(clusterApplication);
            LOG.info("tasks per executor of {}: {}", clusterApplication, tasks);
            assertThat(tasks).as("both workers' executors should have run tasks of %s:\n%s", clusterApplication,
                            spark.diagnostics())
                    .hasSize(WORKERS)
                    .allSatisfy((executor, started) -> assertThat(started)
                            .as("tasks started by executor %s", executor).isPositive());
        }
        LOG.info("calibrate: local[2] {} ms, standalone cluster {} ms (application {})", local.millis(),
                cluster.millis(), clusterApplication);

        Path localRun = localOut.resolve(MODEL_NAME).resolve(RUN_ID);
        Path clusterRun = clusterOut.resolve(MODEL_NAME).resolve(RUN_ID);
        try (LocalStorage storage = new LocalStorage()) {
            for (Path run : List.of(localRun, clusterRun)) {
                VerificationReport report = new ArtifactVerifier(storage).verify(run.toUri().toString());
                assertThat(report.problems()).as("the artifact %s should verify: %s", run, report.summary()).isEmpty();
            }
        }

        float[] localR1 = r1(localRun);
        float[] clusterR1 = r1(clusterRun);
        assertThat(clusterR1.length).as("R1 of both runs has d² entries").isEqualTo(localR1.length);
        double maxDifference = 0;
        int differing = 0;
        for (int i = 0; i < localR1.length; i++) {
            if (Float.floatToRawIntBits(localR1[i]) != Float.floatToRawIntBits(clusterR1[i])) {
                differing++;
                maxDifference = Math.max(maxDifference, Math.abs((double) localR1[i] - clusterR1[i]));
            }
        }
        LOG.info("R1 cluster vs local: {} of {} entries differ, max |difference| {}", differing, localR1.length,
                maxDifference);
        assertThat(differing).as("R1 on the cluster should be bit for bit R1 in local mode (same partitioning): "
                + "%d of %d entries differ, max |difference| %s", differing, localR1.length, maxDifference).isZero();

        List<String> localTokens = tokens(localRun);
        List<String> clusterTokens = tokens(clusterRun);
        assertThat(localTokens).as("the demo model's massive tokens should be found").isNotEmpty();
        assertThat(clusterTokens).as("massive_tokens.json should list the same tokens on the cluster as locally")
                .isEqualTo(localTokens);

        deleteRecursively(dir);
    }

    /** Submits {@code calibrate} over the demo model, publishing under {@code out}; asserts exit 0. */
    private static SparkSubmitResult calibrate(SparkSubmitRunner runner, Path model, Path out, String master,
                                               Supplier<String> diagnostics) throws Exception {
        SparkSubmitResult result = runner.submit(RotcalCli.class.getName(), "calibrate",
                "--set", "rotcal.run-id=" + RUN_ID,
                "--set", "rotcal.model.uri=\"" + model.toUri() + "\"",
                "--set", "rotcal.model.name=" + MODEL_NAME,
                "--set", "rotcal.data.uri=\"" + model.resolve(DemoCorpus.CALIBRATION_NPY).toUri() + "\"",
                "--set", "rotcal.data.sequence-length=128",
                "--set", "rotcal.data.sequences=4",
                "--set", "rotcal.scales.sequences=4",
                "--set", "rotcal.spark.partitions=4",
                "--set", "rotcal.refine.iterations=4",
                "--set", "rotcal.refine.checkpoint-every=0",
                "--set", "rotcal.output.uri=\"" + out.toUri() + "\"");
        assertThat(result.exitCode()).as("calibrate should exit 0 on %s:\n%s\n%s", master, result.describe(),
                diagnostics.get()).isZero();
        assertThat(result.stdout()).as("calibrate should print its summary on %s:\n%s", master, result.describe())
                .contains("rotcal: published");
        return result;
    }

    private static float[] r1(Path run) {
        try (SafetensorsFile rotation = SafetensorsFile.open(run.resolve("rotation.safetensors"))) {
            double[] r = RotationFile.readR1(rotation); // float32 in the file, widened exactly
            float[] out = new float[r.length];
            for (int i = 0; i < r.length; i++) {
                out[i] = (float) r[i];
            }
            return out;
        }
    }

    /** The flagged tokens, one "sequence/position/token id" per token, in the report's order. */
    private static List<String> tokens(Path run) throws IOException {
        Path file = run.resolve("massive_tokens.json");
        MassiveTokenReport report = MassiveTokenReport.read(Files.readAllBytes(file), file.toString());
        List<String> tokens = new ArrayList<>();
        report.tokens().forEach(t -> tokens.add(t.sequence() + "/" + t.position() + "/" + t.tokenId()));
        return tokens;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
