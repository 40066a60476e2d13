package dev.rotcal.jobs.report;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Chromium in headless mode, one process per page: a screenshot, or the DOM after the page's scripts ran. Each
 * run gets a fresh profile directory, deleted afterwards, so no run sees another's profile lock.
 */
final class HeadlessChromium {
    /** The binary looked up on PATH (Debian's package is "chromium"). */
    static final String BINARY = "chromium";
    static final int WIDTH = 1280;
    static final int HEIGHT = 4000;
    private static final long TIMEOUT_SECONDS = 60;

    private final Path binary;
    private final Path work;

    private HeadlessChromium(Path binary, Path work) {
        this.binary = binary;
        this.work = work;
    }

    /** Chromium from PATH, or empty when it is not installed. */
    static Optional<HeadlessChromium> find(Path work) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, BINARY);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(new HeadlessChromium(candidate, work));
            }
        }
        return Optional.empty();
    }

    /** Saves a {@value #WIDTH}×{@value #HEIGHT} screenshot of the page to {@code png}. */
    void screenshot(Path page, Path png) throws IOException, InterruptedException {
        run("screenshot", List.of("--screenshot=" + png.toAbsolutePath(), page.toUri().toString()));
        if (!Files.isRegularFile(png)) {
            throw new IOException("Cannot take a screenshot of " + page + ": chromium wrote no " + png
                    + " (see " + work.resolve("screenshot.log") + ")");
        }
    }

    /** The DOM once the page loaded and its onload handlers ran. */
    String dumpDom(Path page) throws IOException, InterruptedException {
        return run("dump-dom", List.of("--dump-dom", page.toUri().toString()));
    }

    /** Runs chromium with the common headless flags; returns its stdout. */
    private String run(String name, List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "profile-" + name + "-");
        try {
            return run(name, profile, args);
        } finally {
            deleteTree(profile);
        }
    }

    private String run(String name, Path profile, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + WIDTH + "," + HEIGHT, "--virtual-time-budget=5000"));
        command.addAll(args);
        Path out = work.resolve(name + ".out");
        Path log = work.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile())
                .start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("Cannot finish chromium " + name + " within " + TIMEOUT_SECONDS + " s (see "
                    + log + ")");
        }
        if (process.exitValue() != 0) {
            throw new IOException("Cannot run chromium " + name + ": exit code " + process.exitValue() + " (see "
                    + log + ")");
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
