package dev.rotcal.jobs;

import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.jobs.config.ResourceException;
import dev.rotcal.jobs.config.SettingsException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Owns rotcal's exit codes — the contract a scheduler acts on (README "Exit codes") — and turns whatever stopped a
 * command into one line and its code:
 * <ul>
 *   <li>{@value #PUBLISHED}: done (published);
 *   <li>{@value #INTERNAL}: an internal error (a bug, or a failure rotcal cannot classify): report it;
 *   <li>{@value #INPUT}: bad input or configuration: fix it, do not retry unchanged;
 *   <li>{@value #RESOURCES}: not enough memory or disk for this configuration (the memory preflight's refusal, an
 *       OutOfMemoryError, a full disk): raise the named setting or lower the parallelism, do not retry unchanged;
 *   <li>{@value #TRANSIENT}: the infrastructure failed for now (the store unreachable, throttled or timing out,
 *       executors lost beyond Spark's retries): retry later with {@code --resume}.
 * </ul>
 * Checked in that order of precedence: resources, transient, input. Failures inside Spark tasks reach the driver as a
 * SparkException whose message embeds the executor's exception text, so causes are recognised by class and by the
 * class names in that text, and the "Cannot …" line of rotcal's own message is dug out of it. Known secret values are
 * scrubbed from the line; the stack trace goes to the log at DEBUG, never to stderr.
 */
public final class CliErrors {
    public static final int PUBLISHED = 0;
    public static final int INTERNAL = 1;
    public static final int INPUT = 2;
    public static final int RESOURCES = 3;
    public static final int TRANSIENT = 4;

    /** Classes (and names in executor failure text) of failures that a later retry can get past. */
    private static final List<String> TRANSIENT_NAMES = List.of("java.net.ConnectException",
            "java.net.SocketTimeoutException", "java.net.NoRouteToHostException", "java.net.UnknownHostException",
            "java.net.SocketException", "java.io.InterruptedIOException", "org.apache.http.NoHttpResponseException",
            "org.apache.http.conn.ConnectTimeoutException", "org.apache.http.conn.HttpHostConnectException",
            "com.amazonaws.SdkClientException", "com.amazonaws.AmazonClientException",
            "org.apache.hadoop.fs.s3a.AWSClientIOException", "org.apache.hadoop.fs.s3a.AWSServiceThrottledException",
            "org.apache.hadoop.fs.s3a.AWSStatus500Exception", "org.apache.hadoop.fs.s3a.AWSApiCallTimeoutException",
            "org.apache.hadoop.fs.s3a.AWSNoResponseException", "org.apache.hadoop.net.ConnectTimeoutException",
            "ExecutorLostFailure", "FetchFailed", "Connection refused", "Read timed out", "SlowDown",
            "503 Service Unavailable");
    private static final Pattern OUT_OF_MEMORY = Pattern.compile("java\\.lang\\.OutOfMemoryError(: [^\\n(]*)?"
            + "|exited with code 52|exit code: 52");

    /** The log file the launcher names (conf/log4j2.properties). */
    public static final String LOG_FILE_PROPERTY = "rotcal.log.file";
    private static final org.slf4j.Logger FAILURES = org.slf4j.LoggerFactory.getLogger("dev.rotcal.failures");

    private CliErrors() {
    }

    /** @param line the single line to print; @param exitCode its exit code */
    public record Report(String line, int exitCode) {
    }

    public static Report report(Throwable error, Collection<String> secrets) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ResourceException) {
                return new Report(scrub(firstLine(t.getMessage()), secrets), RESOURCES);
            }
        }
        Optional<String> outOfMemory = outOfMemory(error);
        if (outOfMemory.isPresent()) {
            return new Report(scrub(String.format(Locale.ROOT, "Cannot complete the run: out of memory (%s) beyond"
                    + " the memory estimate the log shows ('memory estimate, <stage>'); raise -Xmx (ROTCAL_JAVA_OPTS)"
                    + " or spark.driver.memory / spark.executor.memory, or lower the cores per JVM (local[N],"
                    + " spark.executor.cores)", outOfMemory.get()), secrets), RESOURCES);
        }
        if (mentions(error, "No space left on device")) {
            return new Report(scrub("Cannot complete the run: no space left on device (" + cannotLine(error)
                    .orElse(firstLine(error.getMessage())) + "); free disk space, or point spark.local.dir"
                    + " (SPARK_LOCAL_DIRS) at a larger disk", secrets), RESOURCES);
        }
        Optional<String> transientCause = transientCause(error);
        if (transientCause.isPresent()) {
            String what = cannotLine(error).orElse("Cannot complete the run: " + firstLine(error.getMessage()));
            return new Report(scrub(what + " [transient: " + transientCause.get() + "; retry later with --resume]",
                    secrets), TRANSIENT);
        }
        Throwable inputError = inputError(error);
        if (inputError != null) {
            return new Report(scrub(firstLine(inputError.getMessage()), secrets), INPUT);
        }
        Optional<String> rotcalLine = cannotLine(error);
        if (rotcalLine.isPresent()) {
            return new Report(scrub(rotcalLine.get(), secrets), INPUT);
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : firstLine(error.getMessage());
        String logFile = System.getProperty(LOG_FILE_PROPERTY);
        return new Report(scrub("Cannot complete the command: " + message + (logFile == null ? ""
                : " (an internal error: its stack trace is in " + logFile + ")"), secrets), INTERNAL);
    }

    /** What stopped {@code command}, with its stack trace, into the log file only (stderr gets the one line). */
    public static void log(String command, Throwable error) {
        FAILURES.info(command + " failed", error);
    }

    /** The OutOfMemoryError's own line, from the chain or from an executor's failure text. */
    private static Optional<String> outOfMemory(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return Optional.of("java.lang.OutOfMemoryError" + (t.getMessage() == null ? "" : ": "
                        + firstLine(t.getMessage())));
            }
            if (t.getMessage() != null) {
                Matcher m = OUT_OF_MEMORY.matcher(t.getMessage());
                if (m.find()) {
                    return Optional.of(m.group().startsWith("java") ? m.group().strip()
                            : "an executor was killed for it, " + m.group());
                }
            }
        }
        return Optional.empty();
    }

    /** True when {@code error} is a failure a later retry can get past (the store unreachable, executors lost, …). */
    public static boolean isTransient(Throwable error) {
        return transientCause(error).isPresent();
    }

    /** The first cause that a retry can get past, by class (or superclass) name or in an executor's failure text. */
    private static Optional<String> transientCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (isServiceAnswer(t)) {
                // the store answered: a refusal (403, 404, …) is not transient; 5xx and throttling are
                String m = t.getMessage() == null ? "" : t.getMessage();
                if (m.contains("Status Code: 5") || m.contains("Status Code: 429") || m.contains("SlowDown")
                        || m.contains("Throttl")) {
                    return Optional.of(t.getClass().getSimpleName() + ": " + firstLine(m));
                }
                continue;
            }
            for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
                if (TRANSIENT_NAMES.contains(c.getName())) {
                    return Optional.of(t.getClass().getSimpleName() + (t.getMessage() == null ? ""
                            : ": " + firstLine(t.getMessage())));
                }
            }
            String message = t.getMessage();
            if (message != null) {
                for (String name : TRANSIENT_NAMES) {
                    if (message.contains(name)) {
                        return Optional.of(name);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** An AWS service error (AmazonServiceException extends SdkClientException: the store did answer). */
    private static boolean isServiceAnswer(Throwable t) {
        for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals("com.amazonaws.AmazonServiceException")
                    || c.getName().equals("org.apache.hadoop.fs.s3a.AWSServiceIOException")) {
                return !c.getName().equals("org.apache.hadoop.fs.s3a.AWSServiceIOException")
                        || !TRANSIENT_NAMES.contains(t.getClass().getName());
            }
        }
        return false;
    }

    private static boolean mentions(Throwable error, String text) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    /** The first cause that is a mistake in the input: settings, bad data, malformed files. */
    private static Throwable inputError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SettingsException || t instanceof BadInputException
                    || t instanceof IllegalArgumentException) {
                return t;
            }
        }
        return null;
    }

    /** The first "Cannot …" line in the messages of the cause chain (executor failures are embedded text). */
    private static Optional<String> cannotLine(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            int at = message.indexOf("Cannot ");
            if (at >= 0) {
                return Optional.of(firstLine(message.substring(at)));
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    private static String scrub(String line, Collection<String> secrets) {
        return SecretRedactor.scrub(line, secrets);
    }
}
