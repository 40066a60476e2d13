package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.RotcalCli;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.testing.CapturedLogs;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code calibrate --resume} after the driver died: the driver runs in a subprocess (the test classpath, the
 * real CLI entry point) and is killed with SIGKILL once its refine checkpoint holds step 4 of 8; the resumed
 * run (in this JVM, same settings) must publish exactly the R1 of an uninterrupted run.
 */
class CalibrateResumeTest {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrateResumeTest.class);
    private static final int SEQUENCES = 4;
    private static final int SEQ_LEN = 256;
    private static final int ITERATIONS = 8;
    private static final int KILL_AFTER_STEP = 4;
    private static final long DRIVER_LIMIT_MILLIS = 10 * 60_000;

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeDemoModel() {
        model = DemoRuns.writeDemoModel(dir);
    }

    private static List<String> overrides(String runId, String... extra) {
        List<String> sets = new ArrayList<>(DemoRuns.overrides(runId, model.toUri().toString(),
                dir.resolve("out").toUri().toString(), SEQUENCES, SEQ_LEN, 2, ITERATIONS,
                "rotcal.refine.checkpoint-every=2"));
        sets.addAll(List.of(extra));
        return sets;
    }

    private static RotcalSettings settings(String runId) {
        return new SettingsLoader().load(List.of(), overrides(runId));
    }

    @Test
    void aRunWhoseDriverDiedResumesFromItsCheckpointToTheUninterruptedR() throws Exception {
        Path checkpoint = dir.resolve("out/demo/_checkpoints/resumed/refine.safetensors");
        int stepsBeforeDeath = runDriverUntilCheckpointThenKill(overrides("resumed"), checkpoint);
        assertThat(stepsBeforeDeath).as("the driver died between two checkpoints, before the last step")
                .isBetween(KILL_AFTER_STEP, ITERATIONS - 1);
        assertThat(DemoRuns.filesUnder(dir.resolve("out/demo/resumed")))
                .as("the dead driver published nothing").isEmpty();

        List<String> changedAlpha = new ArrayList<>(List.of("calibrate", "--resume"));
        // a cluster master nothing listens on: the refusal must come before Spark is reached (before the capture)
        overrides("resumed", "rotcal.refine.alpha=50", "rotcal.spark.master=\"spark://127.0.0.1:9\"")
                .forEach(s -> changedAlpha.addAll(List.of("--set", s)));
        long refusedStart = System.nanoTime();
        CliRun refused = CliRun.execute(changedAlpha);
        assertThat((System.nanoTime() - refusedStart) / 1e9).as("refused before any Spark work").isLessThan(10);
        LOG.info("resume with alpha = 50 exited with {}: {}", refused.exitCode(), refused.stderr().strip());
        assertThat(refused.exitCode()).as("resuming with another alpha is an input error").isEqualTo(2);
        assertThat(refused.stderrLines()).as("one line on stderr, saying why (stderr: %s)",
                refused.stderr()).hasSize(1).allSatisfy(line -> assertThat(line).startsWith("Cannot resume from ")
                .contains("alpha=50.0").contains("alpha=100.0"));
        assertThat(checkpoint).as("the refused resume keeps the checkpoint").exists();

        long start = System.nanoTime();
        RunSummary resumed;
        String logs;
        try (CapturedLogs captured = CapturedLogs.capture("dev.rotcal")) {
            resumed = CalibrateCommand.run(settings("resumed"), new SparkConf(), Map.of(), true);
            logs = captured.text();
        }
        LOG.info("resumed run took {} s", seconds(start));
        assertThat(logs).as("the run continued after the checkpoint's step instead of starting from R0")
                .contains("refine: resuming after step " + stepsBeforeDeath)
                .doesNotContain("iteration " + stepsBeforeDeath + "/" + ITERATIONS + ":")
                .contains("iteration " + ITERATIONS + "/" + ITERATIONS + ":");
        assertThat(checkpoint.getParent()).as("a published run's checkpoint folder is deleted").doesNotExist();

        start = System.nanoTime();
        RunSummary uninterrupted = CalibrateCommand.run(settings("uninterrupted"), new SparkConf(), Map.of(), false);
        LOG.info("uninterrupted run took {} s", seconds(start));

        float[] r1Resumed = r1(resumed);
        float[] r1Uninterrupted = r1(uninterrupted);
        assertThat(r1Resumed).as("the resumed run publishes bit for bit the R1 of the uninterrupted run")
                .isEqualTo(r1Uninterrupted);
        assertThat(resumed.refine().dfrot().lossCurve()).as("... and the same loss curve, steps before the death"
                + " included").isEqualTo(uninterrupted.refine().dfrot().lossCurve());
    }

    /**
     * Starts {@code rotcal calibrate} in its own JVM, waits until {@code checkpoint} holds at least
     * {@link #KILL_AFTER_STEP} steps, kills the JVM (SIGKILL: no shutdown hook, like a lost driver) and returns
     * the steps the checkpoint holds.
     */
    private static int runDriverUntilCheckpointThenKill(List<String> overrides, Path checkpoint) throws Exception {
        Path log = dir.resolve("driver.log");
        Path tmp = Files.createDirectories(dir.resolve("driver-tmp"));
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1500m", "-Djava.io.tmpdir=" + tmp));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                        || a.startsWith("-Djdk.reflect.useDirectMethodHandle"))
                .forEach(command::add);
        String javacppCache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (javacppCache != null) {
            command.add("-Dorg.bytedeco.javacpp.cachedir=" + javacppCache);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), RotcalCli.class.getName(),
                "calibrate"));
        overrides.forEach(s -> command.addAll(List.of("--set", s)));

        long start = System.nanoTime();
        Process driver = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + DRIVER_LIMIT_MILLIS;
            int steps = 0;
            while (steps < KILL_AFTER_STEP) {
                assertThat(driver.isAlive()).as("the driver runs until killed (log: %s)", tail(log)).isTrue();
                assertThat(System.currentTimeMillis()).as("the driver checkpoints step %d in time (log: %s)",
                        KILL_AFTER_STEP, tail(log)).isLessThan(deadline);
                Thread.sleep(100);
                steps = checkpointSteps(checkpoint);
            }
            driver.destroyForcibly();
            assertThat(driver.waitFor(60, TimeUnit.SECONDS)).as("the killed driver is gone").isTrue();
            int saved = checkpointSteps(checkpoint);
            LOG.info("killed the driver (pid {}) after {} s; its checkpoint holds {} steps", driver.pid(),
                    seconds(start), saved);
            return saved;
        } finally {
            driver.destroyForcibly();
        }
    }

    /** The steps of the checkpoint, or 0 while there is none (or it is being replaced). */
    private static int checkpointSteps(Path checkpoint) {
        if (!Files.isRegularFile(checkpoint)) {
            return 0;
        }
        try (SafetensorsFile file = SafetensorsFile.open(checkpoint)) {
            return Integer.parseInt(file.metadata().get("steps"));
        } catch (RuntimeException replacedMeanwhile) {
            return 0;
        }
    }

    private static float[] r1(RunSummary run) {
        Path file = Path.of(URI.create(run.runUri())).resolve(ArtifactLayout.ROTATION);
        try (SafetensorsFile rotation = SafetensorsFile.open(file)) {
            return rotation.readFloats(RotationFile.R1);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String seconds(long startNanos) {
        return String.format("%.1f", (System.nanoTime() - startNanos) / 1e9);
    }
}
