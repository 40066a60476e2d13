package dev.rotcal.jobs.calibrate;

import dev.rotcal.jobs.RotcalCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * The rotcal command line run in this JVM, as {@code RotcalCli.main} runs it but without System.exit: the
 * exit code and everything printed on stderr meanwhile.
 */
record CliRun(int exitCode, String stderr) {

    static CliRun execute(List<String> args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new RotcalCli()).execute(args.toArray(new String[0]));
            return new CliRun(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    /** The lines printed on stderr. */
    List<String> stderrLines() {
        return stderr.lines().toList();
    }
}
