package dev.rotcal.jobs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A python3 interpreter with the modules a test needs, from the Debian packages `.ci/run` installs (nothing from
 * PyPI). Candidates in order: {@code $ROTCAL_PYTHON}, /usr/bin/python3 (Debian's, which the packages install into;
 * a pyenv or venv python3 earlier on PATH usually lacks them), then python3 on PATH. The first candidate that
 * imports every module wins. When none does, {@link #require} throws one line naming the Debian package to install.
 *
 * @param python the interpreter, absolute or a name resolved on PATH
 */
public record PythonEnvironment(String python) {
    /** Debian package of each module a test may ask for. */
    public static final Map<String, String> DEBIAN_PACKAGES = Map.of(
            "numpy", "python3-numpy",
            "matplotlib", "python3-matplotlib",
            "torch", "python3-torch",
            "boto3", "python3-boto3",
            "nbconvert", "python3-nbconvert",
            "ipykernel", "python3-ipykernel");

    /**
     * The first candidate interpreter that imports all of {@code modules}; otherwise an IllegalStateException whose
     * one-line message names the interpreter and the Debian packages of the missing modules (or python3 itself).
     */
    public static PythonEnvironment require(String purpose, List<String> modules) {
        Map<String, List<String>> missingByPython = new LinkedHashMap<>();
        for (String candidate : candidates()) {
            Optional<List<String>> missing = missingModules(candidate, modules);
            if (missing.isEmpty()) {
                continue; // not runnable
            }
            if (missing.get().isEmpty()) {
                return new PythonEnvironment(candidate);
            }
            missingByPython.put(candidate, missing.get());
        }
        if (missingByPython.isEmpty()) {
            throw new IllegalStateException("Cannot " + purpose + ": no python3 interpreter found (install the Debian "
                    + "package python3; .ci/run installs what the build needs)");
        }
        Map.Entry<String, List<String>> first = missingByPython.entrySet().iterator().next();
        String packages = first.getValue().stream().map(m -> DEBIAN_PACKAGES.getOrDefault(m, "python3-" + m))
                .collect(Collectors.joining(" "));
        throw new IllegalStateException("Cannot " + purpose + ": " + first.getKey() + " cannot import "
                + String.join(", ", first.getValue()) + " (install the Debian package(s) " + packages
                + "; .ci/run installs what the build needs)");
    }

    private static List<String> candidates() {
        List<String> candidates = new ArrayList<>();
        String configured = System.getenv("ROTCAL_PYTHON");
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        }
        if (Files.isExecutable(Paths.get("/usr/bin/python3"))) {
            candidates.add("/usr/bin/python3");
        }
        candidates.add("python3");
        return candidates;
    }

    /** The modules {@code python} cannot import, or empty when it does not run at all. */
    private static Optional<List<String>> missingModules(String python, List<String> modules) {
        String script = "import importlib.util, sys\n"
                + "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))\n";
        List<String> command = new ArrayList<>(List.of(python, "-c", script));
        command.addAll(modules);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return Optional.of(out.isEmpty() ? List.of() : List.of(out.split("\\s+")));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Runs {@code python args…} in {@code workDir} with {@code environment} added, output (stdout and stderr) to
     * {@code log}; returns the exit code, or throws when it runs longer than {@code timeoutSeconds}.
     */
    public int run(List<String> args, Path workDir, Map<String, String> environment, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(python);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            ChildProcesses.destroyTree(process);
            throw new IllegalStateException("Cannot finish " + String.join(" ", command) + " within " + timeoutSeconds
                    + " s (log " + log + "):\n" + ChildProcesses.tail(log, 30));
        }
        return process.exitValue();
    }
}
