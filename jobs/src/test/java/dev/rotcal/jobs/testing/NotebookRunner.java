package dev.rotcal.jobs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Executes a Jupyter notebook headless, as CI does: {@code python3 -m nbconvert --to notebook --execute} (the same
 * as {@code jupyter nbconvert}, without needing the jupyter-nbconvert launcher package), with the kernel the
 * Debian packages install. The executed copy goes to an output folder; a failing cell makes nbconvert exit non-zero
 * and {@link Result#error()} holds the cell's error as nbconvert printed it (ANSI colours removed).
 */
public final class NotebookRunner {
    /** The modules the notebooks and nbconvert need (Debian packages in {@link PythonEnvironment#DEBIAN_PACKAGES}). */
    public static final List<String> MODULES = List.of("nbconvert", "ipykernel", "numpy", "matplotlib", "torch",
            "boto3");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final long TIMEOUT_SECONDS = 900;

    private final PythonEnvironment python;

    private NotebookRunner(PythonEnvironment python) {
        this.python = python;
    }

    /** A runner on the first python3 with {@link #MODULES}; fails in one line naming a missing Debian package. */
    public static NotebookRunner require() {
        return new NotebookRunner(PythonEnvironment.require("execute the notebooks", MODULES));
    }

    public PythonEnvironment python() {
        return python;
    }

    /**
     * What one execution gave.
     *
     * @param exitCode nbconvert's exit code (0: every cell ran without error)
     * @param executed the executed notebook (with outputs), when nbconvert wrote it
     * @param log      nbconvert's stdout and stderr
     * @param error    the failing cell and its error, or the log's tail when nbconvert failed before any cell
     * @param millis   wall time
     */
    public record Result(int exitCode, Path executed, Path log, String error, long millis) {
        public String describe() {
            return "exit " + exitCode + " after " + millis + " ms (log " + log + "):\n" + error;
        }
    }

    /** Executes {@code notebook} with {@code environment} added to this JVM's, writing into {@code outputDir}. */
    public Result execute(Path notebook, Path outputDir, Map<String, String> environment)
            throws IOException, InterruptedException {
        Files.createDirectories(outputDir);
        String name = notebook.getFileName().toString();
        Path log = outputDir.resolve(name.replaceFirst("\\.ipynb$", "") + ".nbconvert.log");
        Map<String, String> env = new HashMap<>(environment);
        env.put("PYDEVD_DISABLE_FILE_VALIDATION", "1"); // the kernel's debugger warns about frozen modules otherwise
        long start = System.nanoTime();
        int exit = python.run(List.of("-m", "nbconvert", "--to", "notebook", "--execute",
                        "--ExecutePreprocessor.timeout=600", "--output-dir", outputDir.toString(), notebook.toString()),
                notebook.getParent(), env, log, TIMEOUT_SECONDS);
        long millis = (System.nanoTime() - start) / 1_000_000;
        String output = ANSI.matcher(Files.readString(log, StandardCharsets.UTF_8)).replaceAll("");
        return new Result(exit, outputDir.resolve(name), log, exit == 0 ? "" : cellError(output), millis);
    }

    /** From "CellExecutionError: An error occurred while executing the following cell:" on, else the tail. */
    static String cellError(String output) {
        int at = output.indexOf("An error occurred while executing");
        if (at >= 0) {
            return output.substring(at).strip();
        }
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
