package dev.rotcal.jobs.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Test helpers: a loader with a fixed clock and environment, and files written into a temp dir. */
final class Settings {
    static final Instant NOW = Instant.parse("2026-01-31T12:34:56Z");
    static final Path WORKING_DIRECTORY = Path.of("/work/rotcal");

    private Settings() {
    }

    static SettingsLoader loader(Map<String, String> environment) {
        return new SettingsLoader(environment, Clock.fixed(NOW, ZoneOffset.UTC), WORKING_DIRECTORY);
    }

    static SettingsLoader loader() {
        return loader(Map.of());
    }

    /** A model run's minimum: model.uri and data.uri, then {@code more}. */
    static List<String> withInputs(String... more) {
        List<String> sets = new ArrayList<>(List.of("rotcal.model.uri=file:/models/tiny",
                "rotcal.data.uri=file:/data/tokens.npy"));
        sets.addAll(Arrays.asList(more));
        return sets;
    }

    static RotcalSettings load(String... sets) {
        return loader().load(List.of(), withInputs(sets));
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository's conf/ folder (tests run in jobs/). */
    static Path confDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("conf/demo.conf")) && Files.isDirectory(dir.resolve("jobs"))) {
                return dir.resolve("conf");
            }
        }
        throw new IllegalStateException("[BUG] the repository's conf/ folder is not above " + Path.of("").toAbsolutePath());
    }
}
