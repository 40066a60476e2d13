package dev.rotcal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code rotcal clean}: staging and checkpoints of a published run go at any age, those of an abandoned run once older
 * than --older-than, those of a recent or running run stay; nothing is deleted without --delete.
 */
class CleanCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsThenRemovesExactlyTheLeftoversOfPublishedAndAbandonedRuns() throws Exception {
        Path model = dir.resolve("out/demo");
        Instant tenDaysAgo = Instant.now().minus(Duration.ofDays(10));
        file(model.resolve("published/manifest.json"), "{}", Instant.now());
        Path publishedStaging = file(model.resolve("_staging/published-0123abcd/layers/layer-000.safetensors"), "x",
                Instant.now());
        Path publishedCheckpoint = file(model.resolve("_checkpoints/published/refine.safetensors"), "r", Instant.now());
        Path abandonedStaging = file(model.resolve("_staging/abandoned-89abcdef/rotation.safetensors"), "x",
                tenDaysAgo);
        Path abandonedCheckpoint = file(model.resolve("_checkpoints/abandoned/refine.safetensors"), "r", tenDaysAgo);
        Path recentStaging = file(model.resolve("_staging/recent-11112222/rotation.safetensors"), "x", Instant.now());
        Path runningCheckpoint = file(model.resolve("_checkpoints/running/refine.safetensors"), "r", tenDaysAgo);
        String lease = String.format("{\"token\":\"t\",\"host\":\"%s\",\"pid\":%d,\"started\":\"%s\","
                        + "\"renewedMillis\":%d}", InetAddress.getLocalHost().getHostName(), ProcessHandle.current().pid(),
                Instant.now(), System.currentTimeMillis());
        file(model.resolve("_checkpoints/running/lease.json"), lease, Instant.now());
        String output = dir.resolve("out").toUri().toString();

        Run dry = run("clean", output, "--older-than", "7d");
        assertThat(dry.code()).as(dry.stdout()).isZero();
        assertThat(dry.stdout()).contains("dry run").contains("4 to remove").contains("2 kept");
        assertThat(List.of(publishedStaging, publishedCheckpoint, abandonedStaging, abandonedCheckpoint, recentStaging,
                runningCheckpoint)).as("a dry run deletes nothing").allSatisfy(p -> assertThat(p).exists());
        assertThat(dry.stdout().lines().filter(l -> l.contains("running")).findFirst().orElseThrow())
                .startsWith("  keep").contains("is running");

        Run real = run("clean", output, "--older-than", "7d", "--delete");
        assertThat(real.code()).as(real.stdout()).isZero();
        assertThat(real.stdout()).contains("4 removed");
        assertThat(List.of(publishedStaging.getParent().getParent(), publishedCheckpoint.getParent(),
                abandonedStaging.getParent(), abandonedCheckpoint.getParent())).allSatisfy(p -> assertThat(p)
                .doesNotExist());
        assertThat(List.of(recentStaging, runningCheckpoint, model.resolve("published/manifest.json")))
                .as("recent and running leftovers and the published run stay").allSatisfy(p -> assertThat(p).exists());

        Run younger = run("clean", output, "--older-than", "0s", "--delete");
        assertThat(younger.stdout()).as("with age 0 the recent attempt goes too, the running run's folder stays")
                .contains("1 removed").contains("1 kept");
        assertThat(recentStaging).doesNotExist();
        assertThat(runningCheckpoint).exists();

        Run bad = run("clean", output, "--older-than", "soon");
        assertThat(bad.code()).isEqualTo(2);
    }

    private record Run(int code, String stdout) {
    }

    private static Run run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new RotcalCli()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private static Path file(Path path, String text, Instant modified) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
        Files.setLastModifiedTime(path, FileTime.from(modified));
        return path;
    }
}
