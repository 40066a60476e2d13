package dev.rotcal.jobs;

import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.jobs.calibrate.RunSummary;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.slf4j.MDC;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rotcal demo}: the whole product on the embedded demo — writes the deterministic demo model and its
 * corpus under ./out/demo-model (once), calibrates it on local Spark with the embedded demo overlay
 * (conf/demo.conf), publishes under ./out and prints the summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Demo model -> calibrate on local Spark -> artifact under ./out, with a summary.")
public final class DemoCommand implements Callable<Integer> {
    static final String DEMO_CONF = "/rotcal/demo.conf";
    static final Path DEMO_MODEL = Path.of(DemoModelCommand.DEFAULT_OUT);

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key of the demo overlay")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        long start = System.nanoTime();
        try {
            if (!Files.exists(DEMO_MODEL.resolve(DemoModel.CONFIG_JSON))) {
                System.out.println("rotcal demo: writing the demo model and corpus to " + DEMO_MODEL);
                DemoModel.write(DEMO_MODEL, DemoModelSpec.defaults());
                DemoCorpus.write(DEMO_MODEL, DemoModelSpec.defaults(), DemoCorpusSpec.defaults());
            }
            RotcalSettings settings = new SettingsLoader().load(List.of(embeddedOverlay()), overrides);
            MDC.put(RotcalSettings.MDC_RUN_ID, settings.runId());
            SparkConf sparkConf = new SparkConf();
            Map<String, String> hadoop = HadoopSettings.of(sparkConf, settings.hadoop());
            RunSummary summary = CalibrateCommand.run(settings, sparkConf, hadoop, false);
            System.out.print(summary.render());
            System.out.printf("rotcal demo: done in %.0f s (inspect it: jobs/bin/rotcal inspect %s)%n",
                    (System.nanoTime() - start) / 1e9, summary.runUri());
            return 0;
        } catch (Exception | Error e) {
            CliErrors.log("demo", e);
            CliErrors.Report report = CliErrors.report(e, SecretRedactor.secretValues(Map.of()));
            System.err.println(report.line());
            return report.exitCode();
        } finally {
            MDC.remove(RotcalSettings.MDC_RUN_ID);
        }
    }

    /** conf/demo.conf as packaged in the jar, copied to a temporary file for the settings loader. */
    private static Path embeddedOverlay() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(DEMO_CONF)) {
            if (in == null) {
                throw new IllegalStateException("[BUG] the jar has no " + DEMO_CONF);
            }
            Path file = Files.createTempFile("rotcal-demo", ".conf");
            file.toFile().deleteOnExit();
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the demo overlay: " + e.getMessage(), e);
        }
    }
}
