package dev.rotcal.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.calibrate.RunSummary;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hf-rotated export read by a reference that shares no code with rotcal: a numpy reader and forward written
 * from the safetensors and transformers conventions (src/test/resources/python/hf_reference_forward.py). rotcal
 * calibrates each cross-implementation fixture (tiny LLaMA-3 with llama3 rope scaling and an untied head; tiny
 * Qwen2 with q/k/v biases and tied embeddings), exports it, and the reference's logits from the EXPORTED weights
 * must equal the independent PyTorch forward's logits of the ORIGINAL model (expected.safetensors) to 1e-4 of the
 * largest logit. Needs python3 with numpy (.ci/run installs it).
 */
class HfRotatedPythonIT {
    private static final Logger LOG = LoggerFactory.getLogger(HfRotatedPythonIT.class);

    @TempDir
    Path dir;

    private Path resource(String name, Path to) throws IOException {
        try (InputStream in = HfRotatedPythonIT.class.getResourceAsStream("/" + name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            Files.createDirectories(to.getParent());
            Files.copy(in, to);
        }
        return to;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-qwen2"})
    void theReferenceReaderComputesTheOriginalLogitsFromTheExport(String fixture) throws Exception {
        Path model = dir.resolve(fixture);
        for (String file : List.of("config.json", "model.safetensors", "tokens.npy", "expected.safetensors")) {
            resource("fixtures/" + fixture + "/" + file, model.resolve(file));
        }
        RunSummary run = CalibrateCommand.run(new SettingsLoader().load(List.of(), List.of(
                "rotcal.run-id=export", "rotcal.model.uri=\"" + model.toUri() + "\"",
                "rotcal.model.name=" + fixture, "rotcal.data.uri=\"" + model.resolve("tokens.npy").toUri() + "\"",
                "rotcal.data.sequence-length=24", "rotcal.data.sequences=2",
                "rotcal.output.uri=\"" + dir.resolve("out").toUri() + "\"", "rotcal.spark.master=\"local[1]\"",
                "rotcal.refine.iterations=3", "rotcal.refine.checkpoint-every=0", "rotcal.scales.enabled=false",
                "rotcal.refine.compare-plain-procrustes=false")), new SparkConf(), Map.of(), false);
        Path export = dir.resolve("export-" + fixture);
        try (HadoopStorage storage = HadoopStorage.of(Map.of());
             JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[1]").setAppName("export")
                     .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                     .set("spark.ui.enabled", "false"))) {
            HfRotatedExport.run(sc, storage, run.runUri(), null, export.toUri().toString(), SafetensorsDtype.F32,
                    false);
        }
        Path script = resource("python/hf_reference_forward.py", dir.resolve("hf_reference_forward.py"));
        Process p = new ProcessBuilder("python3", script.toString(), export.toString(),
                model.resolve("expected.safetensors").toString(), model.resolve("tokens.npy").toString(), "1e-4")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("the reference forward finishes").isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        LOG.info("{}: {}", fixture, output);
        assertThat(p.exitValue()).as("%s: the exported weights give the original logits (%s)", fixture, output)
                .isZero();
        assertThat(output).startsWith("max |dlogit| / max |logit| = ");
    }
}
