package dev.rotcal.jobs;

import dev.rotcal.artifact.ArtifactFile;
import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.artifact.VerificationReport;
import dev.rotcal.jobs.io.HadoopStorage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rotcal inspect URI}: prints a published run's manifest and verifies every file's size and sha256; on a
 * checkpoint folder (an export) checks its index, shards, shapes and dtypes against its config.json.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints a published run's manifest and verifies every checksum (exit 0 only when all match).")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "URI", description = "The run: <output>/<model>/<run-id> (file:, s3a:, hdfs:)")
    String runUri;

    @Option(names = "--hadoop", paramLabel = "KEY=VALUE",
            description = "A Hadoop setting, e.g. --hadoop fs.s3a.endpoint=http://127.0.0.1:9000 (spark.hadoop.* "
                    + "system properties are read too)")
    Map<String, String> hadoop = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Map<String, String> settings = HadoopSettings.of(new SparkConf(), hadoop);
        try (HadoopStorage storage = HadoopStorage.of(settings)) {
            if (dev.rotcal.jobs.export.ExportVerifier.isCheckpoint(storage, runUri)) {
                var export = dev.rotcal.jobs.export.ExportVerifier.verify(storage, runUri);
                System.out.printf("checkpoint %s: %d tensors in %d shard(s)%n", runUri, export.tensors(),
                        export.shards());
                export.problems().forEach(p -> System.out.println("  problem: " + p));
                System.out.println(export.ok() ? "OK: index, shards, shapes and dtypes agree with config.json"
                        : "FAILED: " + export.problems().size() + " problem(s)");
                return export.ok() ? 0 : 1;
            }
            VerificationReport report = new ArtifactVerifier(storage).verify(runUri);
            if (report.manifest() != null) {
                var m = report.manifest();
                System.out.printf("run %s of %s (rotcal %s, schema %d, created %s)%n", m.runId(), m.model().name(),
                        m.rotcalVersion(), m.schemaVersion(), m.createdAt());
                System.out.printf("model %s fingerprint %s; data fingerprint %s%n", m.model().uri(),
                        m.model().fingerprint(), m.data().fingerprint());
                System.out.printf("summary %s%n", m.summary());
                for (ArtifactFile f : m.files()) {
                    System.out.printf("  %-40s %12d bytes  sha256 %s%n", f.path(), f.bytes(), f.sha256());
                }
            }
            System.out.println(report.summary());
            return report.ok() ? 0 : 1;
        } catch (Exception e) {
            CliErrors.log("inspect", e);
            CliErrors.Report report = CliErrors.report(e, SecretRedactor.secretValues(settings));
            System.err.println(report.line());
            return report.exitCode();
        }
    }
}
