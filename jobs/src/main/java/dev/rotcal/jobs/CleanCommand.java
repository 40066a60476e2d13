package dev.rotcal.jobs;

import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.jobs.calibrate.OutputLeftovers;
import dev.rotcal.jobs.calibrate.OutputLeftovers.Leftover;
import dev.rotcal.jobs.io.HadoopStorage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rotcal clean OUTPUT [--older-than 7d] [--delete]}: lists the staging attempts and checkpoint folders that
 * runs left under an output root, and which can go ({@link OutputLeftovers}); deletes them only with
 * {@code --delete}. Published runs themselves are never touched.
 */
@Command(name = "clean", mixinStandardHelpOptions = true,
        description = "Lists (and with --delete removes) staging and checkpoints of published or abandoned runs.")
public final class CleanCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "OUTPUT", description = "The output root (rotcal.output.uri): file:, s3a:, hdfs:")
    String outputUri;

    @Option(names = "--older-than", paramLabel = "AGE", defaultValue = "7d",
            description = "Leftovers of unpublished runs go when nothing under them was written for this long "
                    + "(45s, 30m, 12h, 7d; default ${DEFAULT-VALUE}); those of published runs go at any age")
    String olderThan;

    @Option(names = "--delete", description = "Delete what the listing marks 'remove' (without it: a dry run)")
    boolean delete;

    @Option(names = "--hadoop", paramLabel = "KEY=VALUE",
            description = "A Hadoop setting, e.g. --hadoop fs.s3a.endpoint=http://127.0.0.1:9000")
    Map<String, String> hadoop = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Map<String, String> settings = HadoopSettings.of(new SparkConf(), hadoop);
        try (HadoopStorage storage = HadoopStorage.of(settings)) {
            Duration age = OutputLeftovers.parseAge(olderThan);
            OutputLeftovers leftovers = new OutputLeftovers(storage, age);
            List<Leftover> found = leftovers.find(outputUri);
            System.out.printf("rotcal clean %s: %d leftover(s)%s%n", outputUri, found.size(),
                    delete ? "" : " (dry run: nothing is deleted; add --delete to remove those marked 'remove')");
            long removable = 0;
            int removed = 0;
            int kept = 0;
            for (Leftover l : found) {
                String action = l.remove() ? (delete ? "removed" : "remove") : "keep";
                System.out.printf("  %-7s %-11s %s  %s, %s — %s%n", action, l.kind().name().toLowerCase(Locale.ROOT),
                        l.uri(), megabytes(l.bytes()), l.age().map(a -> OutputLeftovers.human(a) + " old")
                                .orElse("empty"), l.reason());
                if (l.remove()) {
                    removable += l.bytes();
                    if (delete) {
                        leftovers.remove(l);
                    }
                    removed++;
                } else {
                    kept++;
                }
            }
            System.out.printf("%d %s (%s), %d kept%n", removed, delete ? "removed" : "to remove", megabytes(removable),
                    kept);
            return 0;
        } catch (Exception e) {
            CliErrors.log("clean", e);
            CliErrors.Report report = CliErrors.report(e, SecretRedactor.secretValues(settings));
            System.err.println(report.line());
            return report.exitCode();
        }
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
