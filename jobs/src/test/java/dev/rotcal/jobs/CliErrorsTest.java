package dev.rotcal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.jobs.config.ResourceException;
import dev.rotcal.jobs.config.SettingsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exit-code contract: what a scheduler is told to do for each kind of failure, in one line. */
class CliErrorsTest {
    /** A Spark job failure as the driver sees it: the executor's exception and stack embedded as text. */
    private static RuntimeException sparkFailure(String executorFailure) {
        return new RuntimeException(new IllegalStateException("Job aborted due to stage failure: Task 0 in stage 7.0"
                + " failed 4 times, most recent failure: Lost task 0.3 in stage 7.0 (TID 31) (127.0.0.1 executor 2): "
                + executorFailure + "\n\tat dev.rotcal.jobs.scales.SolveLinearGroup.call(SolveLinearGroup.java:60)"
                + "\n\tat org.apache.spark.executor.Executor$TaskRunner.run(Executor.scala:620)\nDriver stacktrace:"));
    }

    private static void assertOneLine(CliErrors.Report r) {
        assertThat(r.line()).as("one line, no stack").doesNotContain("\n").doesNotContain("\tat ");
    }

    @Test
    void inputMistakesExit2() {
        CliErrors.Report settings = CliErrors.report(new SettingsException("Cannot read rotcal.refine.iterations ="
                + " -1: must be >= 0"), Set.of());
        CliErrors.Report embedded = CliErrors.report(sparkFailure("dev.rotcal.jobs.BadInputException: Cannot"
                + " compute the scales of layer 3: 2 block(s) hold NaN"), Set.of());
        assertThat(settings.exitCode()).isEqualTo(CliErrors.INPUT).isEqualTo(2);
        assertThat(embedded).isEqualTo(new CliErrors.Report("Cannot compute the scales of layer 3: 2 block(s) hold"
                + " NaN", 2));
    }

    @Test
    void notEnoughMemoryExits3WithTheSettingToChange() {
        CliErrors.Report preflight = CliErrors.report(new ResourceException("Cannot run the scales stage: 1 task(s)"
                + " need ≈ 19.2 GiB of heap, the JVM has 16.5 GiB (-Xmx: set ROTCAL_JAVA_OPTS=-Xmx…)"), Set.of());
        assertThat(preflight.exitCode()).isEqualTo(CliErrors.RESOURCES).isEqualTo(3);
        assertThat(preflight.line()).startsWith("Cannot run the scales stage");

        CliErrors.Report driver = CliErrors.report(new OutOfMemoryError("Java heap space"), Set.of());
        CliErrors.Report task = CliErrors.report(sparkFailure("java.lang.OutOfMemoryError: Java heap space"),
                Set.of());
        CliErrors.Report killed = CliErrors.report(new RuntimeException("Job aborted due to stage failure: Task 1 in"
                + " stage 3.0 failed 4 times: ExecutorLostFailure (executor 1 exited caused by one of the running"
                + " tasks) Reason: Command exited with code 52"), Set.of());
        for (CliErrors.Report r : new CliErrors.Report[] {driver, task, killed}) {
            assertThat(r.exitCode()).as(r.line()).isEqualTo(3);
            assertThat(r.line()).startsWith("Cannot complete the run: out of memory").contains("ROTCAL_JAVA_OPTS")
                    .contains("spark.executor.memory");
            assertOneLine(r);
        }
        assertThat(task.line()).contains("java.lang.OutOfMemoryError: Java heap space");
        assertThat(CliErrors.report(new IOException("Cannot write spill: No space left on device"), Set.of())
                .exitCode()).isEqualTo(3);
    }

    @Test
    void theStoreOrTheClusterFailingForNowExits4AndSaysResume() {
        // an S3 outage mid-run: rotcal's own "Cannot read …" wraps the connection failure; it used to exit 2
        CliErrors.Report outage = CliErrors.report(new UncheckedIOException("Cannot read s3a://bucket/m/layer-3"
                + " (check the URI)", new IOException("read failed", new ConnectException("Connection refused"))),
                Set.of());
        assertThat(outage.exitCode()).isEqualTo(CliErrors.TRANSIENT).isEqualTo(4);
        assertThat(outage.line()).startsWith("Cannot read s3a://bucket/m/layer-3").contains("ConnectException")
                .endsWith("retry later with --resume]");
        CliErrors.Report throttled = CliErrors.report(sparkFailure("org.apache.hadoop.fs.s3a."
                + "AWSServiceThrottledException: getFileStatus on s3a://b/k: SlowDown"), Set.of());
        CliErrors.Report executors = CliErrors.report(new RuntimeException("Job aborted due to stage failure: Task 2"
                + " in stage 9.0 failed 4 times: ExecutorLostFailure (executor 3 exited unrelated to the running"
                + " tasks) Reason: Remote RPC client disassociated"), Set.of());
        for (CliErrors.Report r : new CliErrors.Report[] {outage, throttled, executors}) {
            assertThat(r.exitCode()).as(r.line()).isEqualTo(4);
            assertOneLine(r);
        }
    }

    @Test
    void aStoreThatAnswersWithARefusalIsNotTransient() {
        // AmazonServiceException extends SdkClientException: a 403 must not read as "retry later"
        com.amazonaws.services.s3.model.AmazonS3Exception forbidden =
                new com.amazonaws.services.s3.model.AmazonS3Exception("Forbidden");
        forbidden.setStatusCode(403);
        CliErrors.Report denied = CliErrors.report(new java.nio.file.AccessDeniedException("s3a://b/k: getFileStatus: "
                + forbidden.getMessage()), Set.of());
        CliErrors.Report chained = CliErrors.report(new IOException("Cannot check s3a://b/m", forbidden), Set.of());
        assertThat(denied.exitCode()).as(denied.line()).isNotEqualTo(CliErrors.TRANSIENT);
        assertThat(chained.exitCode()).as(chained.line()).isEqualTo(CliErrors.INPUT);
        com.amazonaws.services.s3.model.AmazonS3Exception unavailable =
                new com.amazonaws.services.s3.model.AmazonS3Exception("Service Unavailable");
        unavailable.setStatusCode(503);
        assertThat(CliErrors.report(new IOException("Cannot read s3a://b/k", unavailable), Set.of()).exitCode())
                .as("a 503 is transient").isEqualTo(CliErrors.TRANSIENT);
    }

    @Test
    void anythingElseIsInternalAndExits1WithoutSecrets() {
        CliErrors.Report bug = CliErrors.report(new NullPointerException("token AKIASECRET was null"),
                Set.of("AKIASECRET"));
        assertThat(bug.exitCode()).isEqualTo(CliErrors.INTERNAL).isEqualTo(1);
        assertThat(bug.line()).startsWith("Cannot complete the command: token").doesNotContain("AKIASECRET");
        CliErrors.Report transientWithSecret = CliErrors.report(new IOException("Cannot open s3a://b/k with key"
                + " AKIASECRET", new java.net.SocketTimeoutException("Read timed out")), Set.of("AKIASECRET"));
        assertThat(transientWithSecret.exitCode()).isEqualTo(4);
        assertThat(transientWithSecret.line()).doesNotContain("AKIASECRET");
    }
}
