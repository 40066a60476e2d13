package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.jobs.testing.IntegrationBuild;
import dev.rotcal.jobs.testing.NotebookRunner;
import dev.rotcal.jobs.testing.S3ProxyServer;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notebooks of notebooks/ executed headless (nbconvert, as a serving engineer's CI would) against a demo run
 * published by this test: inspect_artifact.ipynb on the local folder and on a copy in S3 (s3proxy, read with boto3),
 * apply_rotation.ipynb on the local folder and the demo checkpoint. Every claim a notebook makes is an assert in a
 * cell, so a failing cell fails this test with the cell's error.
 *
 * <p>The run is lighter than the README's demo (8 windows of 256 tokens, 10 iterations instead of 16 and 30, no
 * plain-Procrustes comparison): enough for every notebook assertion with a margin (measured: DFRot's asymmetric 4-bit
 * error on the evaluation rows is 4.5 % below random Hadamard's; see notebooks/README.md for the full demo's figures).
 */
class NotebooksIT {
    private static final Logger LOG = LoggerFactory.getLogger(NotebooksIT.class);
    private static final String RUN_ID = "notebooks-it";
    private static final String BUCKET = "artifacts";
    private static final int SEQUENCES = 8;
    private static final int SEQ_LEN = 256;
    private static final int ITERATIONS = 10;

    static NotebookRunner notebooks;
    static Path dir;
    static Path notebookDir;
    static Path model;
    static Path run;

    @BeforeAll
    static void publishADemoRun() throws Exception {
        notebooks = NotebookRunner.require(); // first: a missing package fails in one line, before any Spark work
        IntegrationBuild build = IntegrationBuild.fromSystemProperties();
        notebookDir = Paths.get(System.getProperty("rotcal.test.notebooks.dir", "../notebooks")).toAbsolutePath()
                .normalize();
        assertThat(notebookDir.resolve("inspect_artifact.ipynb")).as("the notebooks folder (%s)", notebookDir)
                .isRegularFile();
        dir = Files.createTempDirectory(build.workDir(), "notebooks-");
        long start = System.nanoTime();
        model = DemoRuns.writeDemoModel(dir);
        RotcalSettings settings = new SettingsLoader().load(List.of(), DemoRuns.overrides(RUN_ID,
                model.toUri().toString(), dir.resolve("out").toUri().toString(), SEQUENCES, SEQ_LEN, 4, ITERATIONS));
        RunSummary summary = CalibrateCommand.run(settings, new SparkConf(), Map.of(), false);
        run = Path.of(URI.create(summary.runUri()));
        LOG.info("demo run for the notebooks published at {} in {} ms", run, (System.nanoTime() - start) / 1_000_000);
    }

    /** Removes the demo model and the run (≈ 90 MB); the executed notebooks and their logs stay under target/it. */
    @AfterAll
    static void removeTheDemoRun() throws Exception {
        for (Path tree : new Path[] {model, dir == null ? null : dir.resolve("out")}) {
            if (tree != null && Files.exists(tree)) {
                try (Stream<Path> paths = Files.walk(tree)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void inspectArtifactPassesOnTheLocalRun() throws Exception {
        assertPasses("inspect_artifact.ipynb", Map.of("ROTCAL_RUN", run.toString()));
    }

    @Test
    void applyRotationPassesOnTheLocalRunAndTheDemoModel() throws Exception {
        assertPasses("apply_rotation.ipynb", Map.of("ROTCAL_RUN", run.toString(), "ROTCAL_MODEL", model.toString()));
    }

    @Test
    void inspectArtifactReadsTheRunFromS3WithoutPrintingTheSecret() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(); HadoopStorage storage = HadoopStorage.of(s3.s3aSettings())) {
            s3.createBucket(BUCKET);
            String target = "s3a://" + BUCKET + "/rotcal/demo/" + RUN_ID;
            try (Stream<Path> files = Files.walk(run)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    try (OutputStream out = storage.create(target + "/" + run.relativize(file), false)) {
                        Files.copy(file, out);
                    }
                }
            }
            NotebookRunner.Result result = assertPasses("inspect_artifact.ipynb", Map.of(
                    "ROTCAL_RUN", "s3://" + BUCKET + "/rotcal/demo/" + RUN_ID,
                    "AWS_ENDPOINT_URL", s3.endpoint(),
                    "AWS_ACCESS_KEY_ID", s3.accessKey(),
                    "AWS_SECRET_ACCESS_KEY", s3.secretKey(),
                    "AWS_REGION", S3ProxyServer.REGION));
            assertThat(Files.readString(result.executed(), StandardCharsets.UTF_8))
                    .as("the executed notebook should show the S3 endpoint, never the secret key")
                    .contains(s3.endpoint()).doesNotContain(s3.secretKey());
        }
    }

    @Test
    void aFailingCellFailsWithTheCellsError() throws Exception {
        Path failing = dir.resolve("failing.ipynb");
        Files.writeString(failing, """
                {"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
                            "source": ["x = 1\\n", "assert x == 2, f'x should be 2, is {x}'"]}],
                 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                 "nbformat": 4, "nbformat_minor": 4}
                """, StandardCharsets.UTF_8);
        NotebookRunner.Result result = notebooks.execute(failing, dir.resolve("executed"), Map.of());
        assertThat(result.exitCode()).as("nbconvert should exit non-zero when a cell fails").isNotZero();
        assertThat(result.error()).as("the failure should carry the cell's assertion message")
                .contains("AssertionError: x should be 2, is 1");
    }

    private static NotebookRunner.Result assertPasses(String notebook, Map<String, String> environment)
            throws Exception {
        NotebookRunner.Result result = notebooks.execute(notebookDir.resolve(notebook),
                dir.resolve("executed-" + environment.get("ROTCAL_RUN").replaceAll("[^A-Za-z0-9]+", "-")),
                environment);
        LOG.info("{} with ROTCAL_RUN={}: exit {} in {} ms", notebook, environment.get("ROTCAL_RUN"),
                result.exitCode(), result.millis());
        assertThat(result.exitCode()).as("%s should run every cell without error: %s", notebook, result.describe())
                .isZero();
        return result;
    }
}
