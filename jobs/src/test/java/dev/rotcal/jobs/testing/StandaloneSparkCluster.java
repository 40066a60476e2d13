package dev.rotcal.jobs.testing;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Spark standalone cluster on 127.0.0.1 for integration tests: one Master and N Workers (1 core, 3 GiB each),
 * each its own JVM, started from the jars Maven resolved (no Spark distribution needed; STACK.md).
 *
 * <p>It builds a SPARK_HOME under target/it (jars/ = symlinks to {@link IntegrationBuild#distributionJars()}, an
 * empty conf/), starts the Master on free ports, then the Workers, and returns once the Master's JSON status
 * (http://127.0.0.1:webui/json/) lists N alive workers. Every daemon, web UI and executor binds 127.0.0.1. Logs
 * of the daemons go to files under the cluster folder; {@link #diagnostics()} gives their tails (and the
 * executors' stderr) for failure messages. {@link #close()} kills the process trees (executors included) and
 * deletes the folder.
 */
public final class StandaloneSparkCluster implements AutoCloseable {
    public static final int WORKER_CORES = 1;
    public static final String WORKER_MEMORY = "3g";

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneSparkCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MASTER_LIMIT_MILLIS = 90_000;
    private static final long WORKERS_LIMIT_MILLIS = 120_000;
    private static final int MASTER_ATTEMPTS = 3;
    private static final int TAIL_LINES = 15;
    private static final String RUNNING_TASK = "Executor: Running task ";
    private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    // The daemons only schedule (the executors they start get spark.executor.memory): a small heap, and C1 only,
    // which starts faster and costs the 2 shared cores less than C2 would.
    private static final List<String> DAEMON_JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private final Path dir;
    private final Path sparkHome;
    private final List<Daemon> daemons = new ArrayList<>();
    private String masterUrl;
    private int webUiPort;
    private long masterStartMillis;
    private long workersStartMillis;

    /** A daemon JVM and its log file. */
    private record Daemon(String name, Process process, Path log, Path workDir) {
    }

    private StandaloneSparkCluster(Path dir, Path sparkHome) {
        this.dir = dir;
        this.sparkHome = sparkHome;
    }

    /** Starts a Master and {@code workers} Workers with the jars Failsafe passes ({@link IntegrationBuild}). */
    public static StandaloneSparkCluster start(int workers) throws IOException, InterruptedException {
        return start(IntegrationBuild.fromSystemProperties(), workers);
    }

    /** Starts a Master and {@code workers} Workers; returns once the Master reports them all alive. */
    public static StandaloneSparkCluster start(IntegrationBuild build, int workers)
            throws IOException, InterruptedException {
        checkArgument(workers >= 1, "Cannot start a standalone cluster with %d workers: it needs at least one", workers);
        Path dir = Files.createTempDirectory(build.workDir(), "spark-cluster-");
        StandaloneSparkCluster cluster = new StandaloneSparkCluster(dir, buildSparkHome(dir, build.distributionJars()));
        try {
            cluster.startMaster();
            cluster.startWorkers(workers);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** spark://127.0.0.1:port, as the Master reports it. */
    public String masterUrl() {
        return masterUrl;
    }

    /** The Master's web UI (loopback); /json/ gives its status. */
    public String masterWebUiUrl() {
        return "http://127.0.0.1:" + webUiPort;
    }

    /** The cluster's folder: daemon logs, the Workers' work dirs with every executor's stdout and stderr. */
    public Path folder() {
        return dir;
    }

    /** The SPARK_HOME the daemons run with (jars/ and an empty conf/). */
    public Path sparkHome() {
        return sparkHome;
    }

    /** Milliseconds from launching the Master JVM until its status page answered ALIVE. */
    public long masterStartMillis() {
        return masterStartMillis;
    }

    /** Milliseconds from launching the Worker JVMs until the Master listed all of them alive. */
    public long workersStartMillis() {
        return workersStartMillis;
    }

    /** The Master's current JSON status (workers, apps, cores in use). */
    public JsonNode masterStatus() throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(masterWebUiUrl() + "/json/").openConnection();
        connection.setConnectTimeout(1_000);
        connection.setReadTimeout(5_000);
        try (InputStream in = connection.getInputStream()) {
            return JSON.readTree(in);
        } finally {
            connection.disconnect();
        }
    }

    /**
     * How many tasks each executor of an application started, counted from the executors' own logs
     * (work-dir/app-id/executor-id/stderr, "Executor: Running task" lines at Spark's default INFO level). Lets a
     * test check that an application it cannot change (the calibrate command) ran on every worker.
     *
     * @return executor id → tasks started, in executor id order; empty if no worker ran the application
     */
    public Map<String, Integer> tasksPerExecutor(String applicationId) throws IOException {
        Map<String, Integer> tasks = new TreeMap<>();
        for (Daemon daemon : daemons) {
            Path appDir = daemon.workDir() == null ? null : daemon.workDir().resolve(applicationId);
            if (appDir == null || !Files.isDirectory(appDir)) {
                continue;
            }
            try (Stream<Path> executors = Files.list(appDir)) {
                for (Path executor : executors.filter(Files::isDirectory).toList()) {
                    Path log = executor.resolve("stderr");
                    int started = 0;
                    if (Files.isRegularFile(log)) {
                        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
                            started = (int) lines.filter(line -> line.contains(RUNNING_TASK)).count();
                        }
                    }
                    tasks.merge(executor.getFileName().toString(), started, Integer::sum);
                }
            }
        }
        return tasks;
    }

    /**
     * SIGKILL of one running executor JVM (a lost executor, as when its machine dies): the first Worker's that
     * has one, or none.
     *
     * @return the killed executor's pid, or empty when no Worker runs an executor
     */
    public java.util.OptionalLong killExecutor() throws InterruptedException {
        for (Daemon daemon : daemons) {
            if (daemon.workDir() == null || !daemon.process().isAlive()) {
                continue;
            }
            java.util.Optional<ProcessHandle> executor = daemon.process().descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains(EXECUTOR_MAIN))
                    .findFirst();
            if (executor.isPresent()) {
                ProcessHandle handle = executor.get();
                handle.destroyForcibly();
                handle.onExit().join();
                LOG.info("killed executor pid {} of {}", handle.pid(), daemon.name());
                return java.util.OptionalLong.of(handle.pid());
            }
        }
        return java.util.OptionalLong.empty();
    }

    /**
     * SIGKILL of the last Worker and its executors (a lost machine); the Master sees it gone at its next heartbeat
     * timeout, the driver at once (the executor's connection drops).
     *
     * @return the killed Worker's name
     */
    public String killLastWorker() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Daemon daemon = daemons.get(i);
            if (daemon.workDir() != null && daemon.process().isAlive()) {
                List<ProcessHandle> tree = new ArrayList<>();
                tree.add(daemon.process().toHandle());
                daemon.process().descendants().forEach(tree::add);
                tree.forEach(ProcessHandle::destroyForcibly);
                tree.forEach(p -> p.onExit().join());
                LOG.info("killed {} (pid {}) and its {} child processes", daemon.name(), daemon.process().pid(),
                        tree.size() - 1);
                return daemon.name();
            }
        }
        throw new IllegalStateException("Cannot kill a Worker: none is alive");
    }

    /** Tails of the daemons' logs and of every executor's stderr, for failure messages. */
    public String diagnostics() {
        StringBuilder out = new StringBuilder("standalone cluster " + masterUrl + " in " + dir);
        for (Daemon daemon : daemons) {
            out.append("\n  ").append(daemon.name()).append(" (pid ").append(daemon.process().pid())
                    .append(daemon.process().isAlive() ? ", alive" : ", exited " + daemon.process().exitValue())
                    .append(") ").append(daemon.log()).append(":\n").append(ChildProcesses.tail(daemon.log(), TAIL_LINES));
            for (Path executorLog : executorLogs(daemon)) {
                out.append("\n  executor ").append(daemon.workDir().relativize(executorLog)).append(":\n")
                        .append(ChildProcesses.tail(executorLog, TAIL_LINES));
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        // Workers first (their executors with them), so the Master does not reschedule lost executors.
        for (int i = daemons.size() - 1; i >= 0; i--) {
            ChildProcesses.destroyTree(daemons.get(i).process());
        }
        ChildProcesses.deleteRecursively(dir);
    }

    private static Path buildSparkHome(Path dir, List<Path> jars) throws IOException {
        Path home = dir.resolve("spark-home");
        Path jarsDir = Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("conf"));
        Set<String> names = new HashSet<>();
        for (Path jar : jars) {
            String name = jar.getFileName().toString();
            if (!names.add(name)) { // two artifacts with one file name (different groups): keep both
                name = names.size() + "-" + name;
                names.add(name);
            }
            Files.createSymbolicLink(jarsDir.resolve(name), jar.toAbsolutePath());
        }
        return home;
    }

    private void startMaster() throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= MASTER_ATTEMPTS; attempt++) {
            int port = ChildProcesses.freeLoopbackPort();
            int uiPort = ChildProcesses.freeLoopbackPort();
            long start = System.nanoTime();
            // spark.port.maxRetries=0: on a port taken meanwhile, fail (and retry here) rather than move to port+1.
            Daemon candidate = launch("master-" + attempt, null, List.of("-Dspark.port.maxRetries=0",
                    "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", Integer.toString(uiPort)));
            webUiPort = uiPort;
            try {
                JsonNode status = awaitMaster(candidate);
                masterUrl = status.path("url").asText();
                masterStartMillis = (System.nanoTime() - start) / 1_000_000;
                LOG.info("Spark master {} is up after {} ms (pid {}, web UI {})", masterUrl, masterStartMillis,
                        candidate.process().pid(), masterWebUiUrl());
                return;
            } catch (IOException e) {
                daemons.remove(candidate);
                ChildProcesses.destroyTree(candidate.process());
                last = e;
                LOG.warn("Spark master attempt {} failed: {}", attempt, e.getMessage());
            }
        }
        throw last;
    }

    private JsonNode awaitMaster(Daemon candidate) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + MASTER_LIMIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!candidate.process().isAlive()) {
                throw new IOException("Cannot start the Spark master: it exited with code "
                        + candidate.process().exitValue() + " (log " + candidate.log() + ":\n"
                        + ChildProcesses.tail(candidate.log(), TAIL_LINES) + ")");
            }
            try {
                JsonNode status = masterStatus();
                if ("ALIVE".equals(status.path("status").asText())) {
                    return status;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException("Cannot start the Spark master: its status page " + masterWebUiUrl()
                + "/json/ did not report ALIVE within " + MASTER_LIMIT_MILLIS / 1000 + " s (log " + candidate.log()
                + ":\n" + ChildProcesses.tail(candidate.log(), TAIL_LINES) + ")");
    }

    private void startWorkers(int count) throws IOException, InterruptedException {
        long start = System.nanoTime();
        List<Daemon> workers = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Path workDir = Files.createDirectories(dir.resolve("worker-" + i));
            workers.add(launch("worker-" + i, workDir, List.of("org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
                    "--cores", Integer.toString(WORKER_CORES), "--memory", WORKER_MEMORY,
                    "--work-dir", workDir.toString(), masterUrl)));
        }
        long deadline = System.currentTimeMillis() + WORKERS_LIMIT_MILLIS;
        int alive = 0;
        while (System.currentTimeMillis() < deadline) {
            for (Daemon worker : workers) {
                if (!worker.process().isAlive()) {
                    throw new IOException("Cannot start Spark " + worker.name() + ": it exited with code "
                            + worker.process().exitValue() + " (" + diagnostics() + ")");
                }
            }
            alive = masterStatus().path("aliveworkers").asInt();
            if (alive >= count) {
                workersStartMillis = (System.nanoTime() - start) / 1_000_000;
                LOG.info("{} Spark workers registered with {} after {} ms", count, masterUrl, workersStartMillis);
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("Cannot start " + count + " Spark workers: the master lists " + alive + " alive after "
                + WORKERS_LIMIT_MILLIS / 1000 + " s (" + diagnostics() + ")");
    }

    private Daemon launch(String name, Path workDir, List<String> mainAndArguments) throws IOException {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path tmp = Files.createDirectories(dir.resolve("tmp").resolve(name));
        Path log = logs.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(ChildProcesses.java());
        command.addAll(DAEMON_JVM_OPTIONS);
        command.add("-Djava.io.tmpdir=" + tmp);
        // Like spark-class: conf/ then jars/* (the wildcard follows the symlinks).
        command.add("-cp");
        command.add(sparkHome.resolve("conf") + "/:" + sparkHome.resolve("jars") + "/*");
        command.addAll(mainAndArguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        ChildProcesses.useLoopbackSparkEnvironment(builder.environment(), sparkHome);
        // Executors' block manager and shuffle files stay in the cluster folder.
        builder.environment().put("SPARK_LOCAL_DIRS", Files.createDirectories(tmp.resolve("local")).toString());
        Daemon daemon = new Daemon(name, builder.start(), log, workDir);
        daemons.add(daemon);
        return daemon;
    }

    /** A Worker's executor logs: work-dir/app-id/executor-id/stderr. */
    private static List<Path> executorLogs(Daemon daemon) {
        if (daemon.workDir() == null || !Files.isDirectory(daemon.workDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(daemon.workDir(), 3)) {
            return files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().collect(Collectors.toList());
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }
}
