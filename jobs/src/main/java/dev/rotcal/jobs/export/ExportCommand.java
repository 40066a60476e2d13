package dev.rotcal.jobs.export;

import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.jobs.CliErrors;
import dev.rotcal.jobs.HadoopSettings;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rotcal export RUN --format hf-rotated --out URI [--model URI] [--dtype auto|bf16|f16|f32]}. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Writes a published run as a checkpoint serving stacks load (hf-rotated: a plain Hugging Face"
                + " checkpoint of the rotated model, logits equal to the original's).")
public final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN", description = "The published run: <output>/<model>/<run-id>")
    String runUri;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "hf-rotated")
    String format;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "The export folder (file:, s3a:, …)")
    String outUri;

    @Option(names = "--model", paramLabel = "URI",
            description = "The original checkpoint (default: the run manifest's model.uri); its fingerprint must match")
    String modelUri;

    @Option(names = "--dtype", defaultValue = "auto", paramLabel = "DTYPE",
            description = "Weights dtype: auto (the checkpoint's), bf16, f16 or f32")
    String dtype;

    @Option(names = "--overwrite", description = "Replace an export already at --out")
    boolean overwrite;

    @Option(names = "--hadoop", paramLabel = "KEY=VALUE", description = "A Hadoop setting (fs.s3a.…)")
    Map<String, String> hadoop = new LinkedHashMap<>();

    @Override
    public Integer call() {
        SparkConf conf = new SparkConf().setAppName("rotcal export " + format);
        Map<String, String> settings = HadoopSettings.of(conf, hadoop);
        try {
            if (!HfRotatedExport.FORMAT.equals(format)) {
                throw new dev.rotcal.jobs.config.SettingsException("Cannot export as '" + format + "': unknown format"
                        + " (--format hf-rotated)");
            }
            SafetensorsDtype weights = parseDtype(dtype);
            if (!conf.contains("spark.master")) {
                conf.setMaster("local[*]");
            }
            if (conf.get("spark.master").startsWith("local")) {
                conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
                conf.setIfMissing("spark.driver.host", "127.0.0.1");
            }
            HadoopSettings.apply(conf, settings);
            try (HadoopStorage storage = HadoopStorage.of(settings); JavaSparkContext sc = new JavaSparkContext(conf)) {
                HfRotatedExport.Result r = HfRotatedExport.run(sc, storage, strip(runUri), modelUri == null ? null
                        : strip(modelUri), strip(outUri), weights, overwrite);
                System.out.printf(Locale.ROOT, "rotcal export: %s of %s in %d shards (%.2f GiB) at %s%n", format,
                        runUri, r.shards(), r.bytes() / (double) (1L << 30), r.outUri());
            }
            return 0;
        } catch (Exception | Error e) {
            CliErrors.log("export", e);
            CliErrors.Report report = CliErrors.report(e, SecretRedactor.secretValues(settings));
            System.err.println(report.line());
            return report.exitCode();
        }
    }

    static SafetensorsDtype parseDtype(String dtype) {
        return switch (dtype.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "bf16", "bfloat16" -> SafetensorsDtype.BF16;
            case "f16", "float16" -> SafetensorsDtype.F16;
            case "f32", "float32" -> SafetensorsDtype.F32;
            default -> throw new dev.rotcal.jobs.config.SettingsException("Cannot export with --dtype " + dtype
                    + ": use auto, bf16, f16 or f32");
        };
    }

    private static String strip(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }
}
