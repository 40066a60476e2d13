package dev.rotcal.jobs.testing;

import static dev.rotcal.Checks.checkArgument;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits an application jar the way a user without a Spark distribution does (STACK.md, jobs/bin/rotcal):
 * {@code java <Spark's Java 17 options> -cp <distribution jars> org.apache.spark.deploy.SparkSubmit --master …
 * --deploy-mode client --class … app.jar args…} in its own JVM, on 127.0.0.1 only, with stdout and stderr
 * captured to files under target/it/submit-N.
 *
 * <pre>{@code
 * SparkSubmitResult result = SparkSubmitRunner.on(cluster)          // or SparkSubmitRunner.local(build, 2)
 *         .conf("spark.cores.max", "2")
 *         .submit("dev.rotcal.jobs.RotcalCli", "calibrate", "--config", config.toString());
 * }</pre>
 *
 * <p>Defaults, which {@link #conf} overrides: driver on 127.0.0.1, executors of 1 core and 1 GiB, no driver web
 * UI, Spark's scratch space in the submission's folder. The application jar is the shaded jar unless
 * {@link #appJar} names another.
 */
public final class SparkSubmitRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSubmitRunner.class);

    private final IntegrationBuild build;
    private final String master;
    private final Path sparkHome;
    private final Map<String, String> conf = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<Path> jars = new ArrayList<>();
    private final List<Path> driverClasspath = new ArrayList<>();
    private final List<String> driverJavaOptions = new ArrayList<>();
    private Path appJar;
    private String driverHeap = "2g";
    private Duration limit = Duration.ofMinutes(10);

    private SparkSubmitRunner(IntegrationBuild build, String master, Path sparkHome) {
        this.build = build;
        this.master = master;
        this.sparkHome = sparkHome;
        this.appJar = build.shadedJar();
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.executor.memory", "1g");
        conf.put("spark.executor.cores", "1");
        conf.put("spark.ui.enabled", "false");
    }

    /** Submits to a standalone cluster in client mode (the driver runs in the submitting JVM). */
    public static SparkSubmitRunner on(StandaloneSparkCluster cluster) throws IOException {
        return on(IntegrationBuild.fromSystemProperties(), cluster);
    }

    public static SparkSubmitRunner on(IntegrationBuild build, StandaloneSparkCluster cluster) {
        return new SparkSubmitRunner(build, cluster.masterUrl(), cluster.sparkHome());
    }

    /** Runs in local mode, {@code local[threads]}, through the same SparkSubmit path. */
    public static SparkSubmitRunner local(int threads) throws IOException {
        return local(IntegrationBuild.fromSystemProperties(), threads);
    }

    public static SparkSubmitRunner local(IntegrationBuild build, int threads) {
        checkArgument(threads >= 1, "Cannot run Spark with local[%d]: it needs at least one thread", threads);
        return new SparkSubmitRunner(build, "local[" + threads + "]", null);
    }

    /** A Spark property ({@code --conf key=value}); replaces a default or an earlier value. */
    public SparkSubmitRunner conf(String key, String value) {
        conf.put(key, value);
        return this;
    }

    /** An environment variable of the driver JVM (for config files that read {@code ${?ENV}}). */
    public SparkSubmitRunner env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Extra jars for the driver and the executors ({@code --jars}). */
    public SparkSubmitRunner jars(Path... extra) {
        jars.addAll(Arrays.asList(extra));
        return this;
    }

    /**
     * Jars on the driver JVM's own classpath, beside the distribution's (what a cluster's SPARK_HOME/jars would add,
     * e.g. a Hadoop FileSystem the driver must load before any SparkContext exists).
     */
    public SparkSubmitRunner driverClasspath(Path... extra) {
        driverClasspath.addAll(Arrays.asList(extra));
        return this;
    }

    /** A JVM option of the driver ({@code -Dlog4j2.configurationFile=…}), as spark-submit's --driver-java-options. */
    public SparkSubmitRunner driverJavaOption(String option) {
        driverJavaOptions.add(option);
        return this;
    }

    /** The application jar; the shaded jar unless set. */
    public SparkSubmitRunner appJar(Path jar) {
        appJar = jar;
        return this;
    }

    /** The driver JVM's -Xmx (in client mode spark.driver.memory cannot change a JVM that is already running). */
    public SparkSubmitRunner driverHeap(String heap) {
        driverHeap = heap;
        return this;
    }

    /** How long the submission may run before its process tree is killed and {@link #submit} fails. */
    public SparkSubmitRunner limit(Duration duration) {
        limit = duration;
        return this;
    }

    /** Runs SparkSubmit and waits for it; a non-zero exit is a result, running past the limit an exception. */
    public SparkSubmitResult submit(String mainClass, String... args) throws IOException, InterruptedException {
        return submit(mainClass, List.of(args));
    }

    public SparkSubmitResult submit(String mainClass, List<String> args) throws IOException, InterruptedException {
        return start(mainClass, args).await();
    }

    /** Starts SparkSubmit and returns at once; {@link Submission#await} waits for it (within the limit). */
    public Submission start(String mainClass, List<String> args) throws IOException {
        Path runDir = Files.createTempDirectory(build.workDir(), "submit-");
        Path tmp = Files.createDirectories(runDir.resolve("tmp"));
        List<String> command = new ArrayList<>();
        command.add(ChildProcesses.java());
        command.add("-Xmx" + driverHeap);
        command.addAll(build.sparkJavaOptions());
        command.add("-Djava.io.tmpdir=" + tmp);
        command.addAll(driverJavaOptions);
        command.add("-cp");
        StringBuilder classpath = new StringBuilder(build.distributionClasspath());
        driverClasspath.forEach(jar -> classpath.append(':').append(jar));
        command.add(classpath.toString());
        command.add("org.apache.spark.deploy.SparkSubmit");
        command.addAll(List.of("--master", master, "--deploy-mode", "client"));
        command.addAll(List.of("--conf", "spark.local.dir=" + Files.createDirectories(runDir.resolve("local"))));
        conf.forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        if (!jars.isEmpty()) {
            command.add("--jars");
            command.add(String.join(",", jars.stream().map(Path::toString).toList()));
        }
        command.addAll(List.of("--class", mainClass, appJar.toString()));
        command.addAll(args);

        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(runDir.toFile())
                .redirectOutput(runDir.resolve("stdout.log").toFile())
                .redirectError(runDir.resolve("stderr.log").toFile());
        ChildProcesses.useLoopbackSparkEnvironment(builder.environment(), sparkHome);
        builder.environment().putAll(environment);
        return new Submission(mainClass, command, runDir, builder.start(), System.nanoTime());
    }

    /** A running SparkSubmit JVM: its log can be watched, it can be killed, and it can be awaited once. */
    public final class Submission {
        private final String mainClass;
        private final List<String> command;
        private final Path runDir;
        private final Process process;
        private final long startNanos;
        private final StringBuilder logRead = new StringBuilder(); // stderr read so far, one char per byte

        private Submission(String mainClass, List<String> command, Path runDir, Process process, long startNanos) {
            this.mainClass = mainClass;
            this.command = command;
            this.runDir = runDir;
            this.process = process;
            this.startNanos = startNanos;
        }

        public Process process() {
            return process;
        }

        public Path stderrFile() {
            return runDir.resolve("stderr.log");
        }

        /**
         * Whether the driver's log (stderr) has a line containing {@code text} (ASCII) yet. Each call reads only what
         * was appended since the last one.
         */
        public synchronized boolean logged(String text) {
            if (Files.isRegularFile(stderrFile())) {
                try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(stderrFile().toFile(), "r")) {
                    byte[] added = new byte[(int) Math.max(0, in.length() - logRead.length())];
                    in.seek(logRead.length());
                    in.readFully(added);
                    logRead.append(new String(added, java.nio.charset.StandardCharsets.ISO_8859_1)); // byte for byte
                } catch (IOException e) {
                    return false;
                }
            }
            return logRead.indexOf(text) >= 0;
        }

        /**
         * Waits until the driver logs {@code text}; false when it exited first or {@code timeout} passed.
         */
        public boolean awaitLogged(String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (logged(text)) {
                    return true;
                }
                if (!process.isAlive()) {
                    return logged(text);
                }
                Thread.sleep(50);
            }
            return false;
        }

        /** SIGKILL of the driver JVM (no shutdown hook runs, as when its machine dies). */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
        }

        /** Waits for the JVM within the runner's limit; a non-zero exit is a result, running past it an exception. */
        public SparkSubmitResult await() throws InterruptedException {
            long left = limit.toNanos() - (System.nanoTime() - startNanos);
            boolean finished;
            try {
                finished = process.waitFor(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } finally {
                if (process.isAlive()) {
                    ChildProcesses.destroyTree(process);
                }
            }
            long millis = (System.nanoTime() - startNanos) / 1_000_000;
            SparkSubmitResult result = new SparkSubmitResult(command, finished ? process.exitValue() : -1,
                    runDir.resolve("stdout.log"), runDir.resolve("stderr.log"), millis);
            ChildProcesses.deleteRecursively(runDir.resolve("tmp"));
            ChildProcesses.deleteRecursively(runDir.resolve("local"));
            if (!finished) {
                throw new IllegalStateException("Cannot finish spark-submit of " + mainClass + " on " + master
                        + " within " + limit.toSeconds() + " s: killed it (" + result.describe() + ")");
            }
            LOG.info("spark-submit {} on {} exited with {} after {} ms (output in {})", mainClass, master,
                    result.exitCode(), millis, runDir);
            return result;
        }
    }
}
