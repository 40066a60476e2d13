package dev.rotcal.jobs;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.jobs.calibrate.CalibrationJob;
import dev.rotcal.jobs.calibrate.CompletedRun;
import dev.rotcal.jobs.calibrate.RunLease;
import dev.rotcal.jobs.calibrate.RunSummary;
import dev.rotcal.jobs.config.PreflightResult;
import dev.rotcal.jobs.config.MemoryBudget;
import dev.rotcal.jobs.config.MemoryEstimate;
import dev.rotcal.jobs.config.Preflight;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rotcal calibrate --config FILE [--set key=value]… [--resume]}. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Calibrates a model: capture, scan for massive tokens, refine R1 (DFRot), publish the artifact.")
public final class CalibrateCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrateCommand.class);

    @Option(names = "--config", paramLabel = "FILE",
            description = "HOCON overlay over reference.conf; repeat to layer several (later wins)")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one key, e.g. --set rotcal.refine.iterations=5 (applied after the files)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "Continue the run id's refinement from its last checkpoint of R")
    boolean resume;

    @Override
    public Integer call() {
        Set<String> secrets = Set.of();
        Interruption interruption = new Interruption();
        try {
            RotcalSettings settings = new SettingsLoader().load(configs, overrides);
            MDC.put(RotcalSettings.MDC_RUN_ID, settings.runId());
            interruption.watch(settings.runId());
            SparkConf sparkConf = new SparkConf();
            Map<String, String> hadoop = HadoopSettings.of(sparkConf, settings.hadoop());
            secrets = SecretRedactor.secretValues(hadoop);
            if (resume) {
                Optional<String> published = completedBefore(settings, hadoop);
                if (published.isPresent()) {
                    System.out.println("rotcal: run " + settings.runId() + " is already published at "
                            + published.get() + " with this configuration; nothing to resume");
                    return 0;
                }
            }
            RunSummary summary = run(settings, sparkConf, hadoop, resume);
            System.out.print(summary.render());
            return 0;
        } catch (Exception | Error e) { // an OutOfMemoryError too: one line and the resources code
            CliErrors.Report report = CliErrors.report(e, secrets);
            CliErrors.log("calibrate", e);
            if (interruption.happened()) {
                return report.exitCode(); // the signal's own line says it all (the JVM exits with 128 + signal)
            }
            System.err.println(report.line());
            return report.exitCode();
        } finally {
            interruption.close();
            MDC.remove(RotcalSettings.MDC_RUN_ID);
        }
    }

    /**
     * SIGTERM / SIGINT during a run: one line saying what is kept and how to go on, instead of whatever the stopped
     * SparkContext makes the run fail with. The JVM's exit code is then 128 + the signal (143, 130).
     */
    private static final class Interruption implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean happened =
                new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        private Thread hook;

        void watch(String runId) {
            hook = new Thread(() -> {
                if (!done.get()) {
                    happened.set(true);
                    System.err.println("rotcal: interrupted by a signal during run " + runId + ": no partial run is"
                            + " visible (a run is published only with its manifest); the checkpoints written so far"
                            + " are kept — rerun the same command with --resume to continue from them");
                }
            }, "rotcal-interruption");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        boolean happened() {
            return happened.get();
        }

        @Override
        public void close() {
            done.set(true);
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down
                }
            }
        }
    }

    /** {@code --resume} of a run already published with these settings: completes its commit ({@link CompletedRun}). */
    static Optional<String> completedBefore(RotcalSettings settings, Map<String, String> hadoop) throws IOException {
        try (HadoopStorage storage = HadoopStorage.of(hadoop)) {
            return CompletedRun.complete(storage, settings);
        }
    }

    /** Preflight on the driver, then the Spark run. */
    public static RunSummary run(RotcalSettings settings, SparkConf sparkConf, Map<String, String> hadoop,
                                 boolean resume) throws Exception {
        try (HadoopStorage storage = HadoopStorage.of(hadoop)) {
            Preflight checks = new Preflight(storage);
            ArtifactLayout layout = checks.reachOutput(settings);
            // one run per run id: a second start is refused here, before it reads any model file
            try (RunLease lease = RunLease.acquire(storage, layout.checkpointsUri(), settings.runId())) {
                return runHoldingTheLease(settings, sparkConf, hadoop, storage, checks.checkInputs(settings), resume);
            }
        }
    }

    private static RunSummary runHoldingTheLease(RotcalSettings settings, SparkConf sparkConf,
                                                 Map<String, String> hadoop, HadoopStorage storage,
                                                 PreflightResult preflight, boolean resume) throws IOException {
        LOG.info("calibrate {} -> {} (run {})", settings.inputUri(), preflight.layout().runUri(), settings.runId());
        sparkConf.setAppName("rotcal " + preflight.modelName() + " " + settings.runId());
        if (settings.spark().hasMaster()) {
            sparkConf.setMaster(settings.spark().master());
        }
        if (sparkConf.get("spark.master", "local[*]").startsWith("local")) {
            // local mode talks only to itself: stay on loopback whatever the host name resolves to
            sparkConf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            sparkConf.setIfMissing("spark.driver.host", "127.0.0.1");
            // the executor is this JVM: a task's OutOfMemoryError fails the job (one line, exit code 3) instead
            // of Spark's handler killing the JVM with exit 52 after a page of stack traces
            sparkConf.setIfMissing("spark.executor.killOnFatalError.depth", "0");
        }
        HadoopSettings.apply(sparkConf, hadoop);
        if (preflight.modelConfig().isPresent()) {
            MemoryBudget.Available available = MemoryBudget.Available.of(sparkConf);
            int partitions = settings.spark().partitions() > 0 ? settings.spark().partitions()
                    : sparkConf.getInt("spark.default.parallelism", available.tasksPerExecutor());
            MemoryBudget.check(MemoryEstimate.of(preflight.modelConfig().get(), settings, partitions), available);
        }
        return new CalibrationJob(settings, storage, preflight).run(sparkConf, resume);
    }
}
