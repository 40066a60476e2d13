package dev.rotcal.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the subprocess fixtures share: a loopback-only Spark environment, free ports, killing a process tree, log tails. */
final class ChildProcesses {
    private static final Logger LOG = LoggerFactory.getLogger(ChildProcesses.class);
    /** Variables of the developer's shell that would point Spark at another installation or configuration. */
    private static final List<String> FOREIGN_VARIABLES = List.of("HADOOP_CONF_DIR", "YARN_CONF_DIR",
            "HADOOP_HOME", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON");

    private ChildProcesses() {
    }

    /** The java launcher of the JVM running the tests, so every child runs on the same Java. */
    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Replaces inherited Spark and Hadoop variables with a loopback-only Spark environment: SPARK_LOCAL_IP makes
     * every Spark server socket and web UI bind 127.0.0.1; SPARK_SCALA_VERSION lets the Worker's launcher find
     * SPARK_HOME/jars without a RELEASE file; JAVA_HOME makes the Worker start executors on this Java.
     */
    static void useLoopbackSparkEnvironment(Map<String, String> environment, Path sparkHome) {
        environment.keySet().removeIf(name -> name.startsWith("SPARK_") || FOREIGN_VARIABLES.contains(name));
        environment.put("SPARK_LOCAL_IP", "127.0.0.1");
        environment.put("SPARK_SCALA_VERSION", "2.13");
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        if (sparkHome != null) {
            environment.put("SPARK_HOME", sparkHome.toString());
        }
    }

    static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Stops a process and every process it started (a Worker's executors, a driver's children): SIGTERM to the
     * whole tree, then SIGKILL to whatever is still alive after 10 s. The tree is listed before anything is
     * signalled, since a child whose parent has died is no longer its descendant.
     */
    static void destroyTree(Process process) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle handle : tree) {
            long left = deadline - System.nanoTime();
            try {
                handle.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception stillAlive) {
                // forced below
            }
        }
        for (ProcessHandle handle : tree) {
            if (handle.isAlive()) {
                LOG.warn("Process {} ignored SIGTERM for 10 s; killing it", handle.pid());
                handle.destroyForcibly();
            }
        }
    }

    /** The last lines of a log file, indented, for a failure message. */
    static String tail(Path log, int lines) {
        if (!Files.isRegularFile(log)) {
            return "    (no file " + log + ")";
        }
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
                    .map(line -> "    " + line)
                    .collect(Collectors.joining("\n"));
        } catch (IOException | UncheckedIOException e) {
            return "    (unreadable: " + e.getMessage() + ")";
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }
}
