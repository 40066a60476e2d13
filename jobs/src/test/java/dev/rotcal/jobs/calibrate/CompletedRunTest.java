package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} of a run whose manifest is written (the driver died before {@code _SUCCESS}): with the same
 * configuration the commit is completed — {@code _SUCCESS}, stale staging and the checkpoint folder — and nothing is
 * redone; with another configuration nothing is touched (the preflight then refuses).
 */
class CompletedRunTest {
    @TempDir
    Path dir;

    @Test
    void completesTheCommitOfARunPublishedWithTheSameConfigurationOnly() throws Exception {
        Path model = DemoRuns.writeDemoModel(dir);
        String out = dir.resolve("out").toUri().toString();
        RotcalSettings settings = settings(model, out, 4);
        Path run = dir.resolve("out/demo/done");
        Files.createDirectories(run);
        ObjectNode manifest = new ObjectMapper().createObjectNode();
        manifest.put("schema_version", 1);
        manifest.put("rotcal_version", "test");
        manifest.put("run_id", "done");
        manifest.put("created_at", "2026-12-07T00:00:00Z");
        manifest.putObject("model").put("name", "demo").put("uri", model.toUri().toString())
                .put("fingerprint", "0".repeat(64));
        manifest.putObject("data").put("fingerprint", "1".repeat(64));
        manifest.putObject("seeds");
        manifest.putObject("summary");
        manifest.putArray("files");
        manifest.set("config", settings.toRedactedTree());
        Files.writeString(run.resolve("manifest.json"), manifest.toString());
        Path staging = Files.createDirectories(dir.resolve("out/demo/_staging/done-0123abcd/layers"));
        Path otherStaging = Files.createDirectories(dir.resolve("out/demo/_staging/other-0123abcd"));
        Path checkpoint = dir.resolve("out/demo/_checkpoints/done/refine.safetensors");
        Files.createDirectories(checkpoint.getParent());
        Files.writeString(checkpoint, "r");

        try (HadoopStorage storage = HadoopStorage.of(Map.of())) {
            assertThat(CompletedRun.complete(storage, settings(model, out, 5)))
                    .as("another configuration: not this run's completion").isEmpty();
            assertThat(run.resolve("_SUCCESS")).doesNotExist();
            assertThat(checkpoint).exists();

            assertThat(CompletedRun.complete(storage, settings)).hasValueSatisfying(uri -> assertThat(uri)
                    .endsWith("/out/demo/done"));
        }
        assertThat(run.resolve("_SUCCESS")).exists();
        assertThat(staging.getParent()).as("the run id's staging attempt goes").doesNotExist();
        assertThat(otherStaging).as("another run id's stays").exists();
        assertThat(checkpoint.getParent()).as("the checkpoint folder goes (lease released)").doesNotExist();
    }

    private static RotcalSettings settings(Path model, String out, int iterations) {
        return new SettingsLoader().load(List.of(), DemoRuns.overrides("done", model.toUri().toString(), out, 4, 64,
                2, iterations));
    }
}
