package dev.rotcal.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link SparkSubmitRunner} submission ended: the exit code of the SparkSubmit JVM and its stdout and
 * stderr, kept as files under target/it (the application prints to stdout; Spark logs to stderr).
 *
 * @param command    the java command line that ran
 * @param exitCode   the driver JVM's exit code
 * @param stdoutFile what the application printed
 * @param stderrFile Spark's and the application's logs
 * @param millis     wall time of the submission, JVM start to exit
 */
public record SparkSubmitResult(List<String> command, int exitCode, Path stdoutFile, Path stderrFile, long millis) {
    private static final int TAIL_LINES = 30;
    // StandaloneSchedulerBackend, INFO: "Connected to Spark cluster with app ID app-20261122121238-0000"
    private static final Pattern APPLICATION_ID = Pattern.compile("Connected to Spark cluster with app ID (\\S+)");

    public SparkSubmitResult {
        command = List.copyOf(command);
    }

    public String stdout() {
        return read(stdoutFile);
    }

    public String stderr() {
        return read(stderrFile);
    }

    public List<String> stdoutLines() {
        return stdout().lines().toList();
    }

    /** Every line of stdout, then every line of stderr. */
    public List<String> stdoutAndStderrLines() {
        List<String> lines = new java.util.ArrayList<>(stdoutLines());
        lines.addAll(stderr().lines().toList());
        return lines;
    }

    /** The first stdout line that starts with {@code prefix}, without the prefix. */
    public Optional<String> stdoutLineAfter(String prefix) {
        return stdoutLines().stream().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length())).findFirst();
    }

    /** The application id a standalone master gave the driver (app-…), read from the driver's log. */
    public Optional<String> applicationId() {
        Matcher matcher = APPLICATION_ID.matcher(stderr());
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** Exit code, wall time and the tails of both streams, for failure messages. */
    public String describe() {
        return "spark-submit exited with " + exitCode + " after " + millis + " ms\n  stdout " + stdoutFile + ":\n"
                + ChildProcesses.tail(stdoutFile, TAIL_LINES) + "\n  stderr " + stderrFile + ":\n"
                + ChildProcesses.tail(stderrFile, TAIL_LINES);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the spark-submit output " + file, e);
        }
    }
}
