package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.RotcalCli;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.linalg.Hadamard;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearInput;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A small demo calibration (4 windows × 64 tokens, 2 refine iterations) with every weight method on: the published
 * run has one scale file per layer with every linear's tensors for rtn, gptq, nvfp4 and mxfp4, the four inputs'
 * and the KV cache's clip ratios; inspect lists the files; metrics.json has every linear's errors for every method;
 * rotation.safetensors carries R2 per layer and the R3 / R4 specs.
 */
class CalibrateScalesLocalTest {
    private static final List<String> METHODS = List.of("rtn", "gptq", "nvfp4", "mxfp4");
    /** Per method, the tensors of one linear (suffixes after "{prefix}.{method}."). */
    private static final Map<String, List<String>> FIELDS = Map.of(
            "rtn", List.of("weight_scale", "clip_ratio"),
            "gptq", List.of("weight_packed", "weight_scale"),
            "nvfp4", List.of("weight_packed", "weight_scale", "weight_scale_2"),
            "mxfp4", List.of("weight_packed", "weight_scale"));

    @TempDir
    static Path dir;
    static Path run;
    static int layers;

    @BeforeAll
    static void calibrate() throws Exception {
        Path model = DemoRuns.writeDemoModel(dir);
        RotcalSettings settings = new SettingsLoader().load(List.of(), DemoRuns.overrides("scales-e2e",
                model.toUri().toString(), dir.resolve("out").toUri().toString(), 4, 64, 2, 2,
                "rotcal.scales.weight-methods=[rtn, gptq, nvfp4, mxfp4]"));
        RunSummary summary = CalibrateCommand.run(settings, new SparkConf(), Map.of(), false);
        run = Path.of(URI.create(summary.runUri()));
        layers = DemoModelSpec.defaults().numLayers();
    }

    @Test
    void everyLayerFileHoldsEveryLinearsTensorsForEveryMethodAndTheClipRatios() {
        var spec = DemoModelSpec.defaults();
        for (int layer = 0; layer < layers; layer++) {
            Path file = run.resolve(ArtifactLayout.layerFile(layer));
            assertThat(file).as("layer %d's scale file is published", layer).isRegularFile();
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                Set<String> expected = new TreeSet<>();
                for (LinearGroup group : LinearGroup.values()) {
                    for (String linear : group.linears()) {
                        for (String method : METHODS) {
                            for (String field : FIELDS.get(method)) {
                                expected.add(group.prefix(layer, linear) + "." + method + "." + field);
                            }
                        }
                    }
                }
                for (LinearInput input : LinearInput.values()) {
                    expected.add("model.layers." + layer + "." + input.key() + ".clip_ratio");
                    expected.add("model.layers." + layer + "." + input.key() + ".nvfp4.input_scale");
                }
                expected.add("model.layers." + layer + ".self_attn.k_cache.clip_ratio");
                expected.add("model.layers." + layer + ".self_attn.v_cache.clip_ratio");
                assertThat(new TreeSet<>(f.tensorNames())).as("layer %d's tensors", layer).isEqualTo(expected);
                assertThat(f.metadata()).as("layer %d's metadata", layer)
                        .containsEntry("format", "rotcal.layer-scales.v1")
                        .containsEntry("layer", Integer.toString(layer))
                        .containsEntry("weight_methods", "rtn,gptq,nvfp4,mxfp4");

                String q = "model.layers." + layer + ".self_attn.q_proj.";
                long qOut = (long) spec.numHeads() * spec.headDim();
                assertThat(f.info(q + "gptq.weight_packed").shape()).as("8 int4 codes per int32")
                        .containsExactly(qOut, (long) spec.hiddenSize() / 8);
                assertThat(f.info(q + "rtn.weight_scale").shape()).containsExactly(qOut, 1L);
                assertThat(f.info(q + "mxfp4.weight_scale").shape()).as("one E8M0 scale per 32")
                        .containsExactly(qOut, (long) spec.hiddenSize() / 32);
                float global = f.readFloats(q + "nvfp4.weight_scale_2")[0];
                for (String linear : List.of("k_proj", "v_proj")) {
                    assertThat(f.readFloats("model.layers." + layer + ".self_attn." + linear
                            + ".nvfp4.weight_scale_2")).as("layer %d %s shares q_proj's NVFP4 global scale", layer,
                            linear).containsExactly(global);
                }
                for (String clip : List.of("self_attn.k_cache.clip_ratio", "self_attn.v_cache.clip_ratio",
                        "attn_in.clip_ratio", "down_proj_in.clip_ratio")) {
                    float ratio = f.readFloats("model.layers." + layer + "." + clip)[0];
                    assertThat(ratio).as("layer %d %s is on DFRot's sweep 0.60 … 1.00", layer, clip)
                            .isBetween(0.6f, 1.0f);
                }
            }
        }
        assertThat(run.resolve(ArtifactLayout.layerFile(layers))).as("no file past the last layer").doesNotExist();
    }

    @Test
    void inspectListsTheLayerFilesAndVerifiesThem() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new RotcalCli()).execute("inspect", run.toUri().toString());
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertThat(code).as("every checksum matches").isZero();
        for (int layer = 0; layer < layers; layer++) {
            assertThat(printed).as("inspect lists layer %d's file", layer).contains(ArtifactLayout.layerFile(layer));
        }
        assertThat(printed).contains(ArtifactLayout.ROTATION).contains(ArtifactLayout.METRICS);
    }

    @Test
    void metricsHoldEveryLinearsErrorsForEveryMethod() throws Exception {
        JsonNode scales = new ObjectMapper().readTree(Files.readAllBytes(run.resolve(ArtifactLayout.METRICS)))
                .get("scales");
        assertThat(scales).as("metrics.json has a scales section").isNotNull();
        List<String> methods = new ArrayList<>();
        scales.get("methods").forEach(m -> methods.add(m.asText()));
        assertThat(methods).isEqualTo(METHODS);
        JsonNode perLayer = scales.get("layers");
        assertThat(perLayer.size()).as("one entry per layer").isEqualTo(layers);
        for (int layer = 0; layer < layers; layer++) {
            JsonNode l = perLayer.get(layer);
            assertThat(l.get("layer").asInt()).isEqualTo(layer);
            for (LinearGroup group : LinearGroup.values()) {
                for (String linear : group.linears()) {
                    for (String method : METHODS) {
                        JsonNode m = l.path("linears").path(linear).path(method);
                        String what = String.format("layer %d %s %s", layer, linear, method);
                        assertThat(m.path("relative_error").isNumber()).as("%s relative_error", what).isTrue();
                        double relative = m.get("relative_error").asDouble();
                        assertThat(relative).as("%s: a 4-bit weight error, in (0, 0.5)", what).isBetween(1e-4, 0.5);
                        assertThat(m.path("output_error").isNumber()).as("%s output_error (Hessians are on)", what)
                                .isTrue();
                    }
                    JsonNode m = l.path("linears").path(linear);
                    StringBuilder line = new StringBuilder("layer " + layer + " " + linear + " relative / output error:");
                    for (String method : METHODS) {
                        line.append(String.format(" %s %.4f / %.4f", method, m.get(method).get("relative_error")
                                .asDouble(), m.get(method).get("output_error").asDouble()));
                    }
                    System.out.println(line);
                    assertThat(m.get("gptq").get("output_error").asDouble())
                            .as("layer %d %s: GPTQ's output error is at most RTN's", layer, linear)
                            .isLessThanOrEqualTo(m.get("rtn").get("output_error").asDouble());
                }
            }
            for (LinearInput input : LinearInput.values()) {
                assertThat(l.path("activations").path(input.key()).path("clip_ratio").isNumber())
                        .as("layer %d %s clip ratio", layer, input.key()).isTrue();
            }
            assertThat(l.path("kv").path("k_clip_ratio").isNumber()).isTrue();
            assertThat(l.path("kv").path("v_clip_ratio").isNumber()).isTrue();
        }
    }

    @Test
    void rotationFileHasR2PerLayerAndTheR3AndR4Specs() {
        var spec = DemoModelSpec.defaults();
        int hd = spec.headDim();
        byte[] h = Hadamard.matrix(hd);
        try (SafetensorsFile f = SafetensorsFile.open(run.resolve(ArtifactLayout.ROTATION))) {
            assertThat(f.contains(RotationFile.R1)).isTrue();
            for (int layer = 0; layer < layers; layer++) {
                String name = RotationFile.r2Name(layer);
                assertThat(f.contains(name)).as("R2 of layer %d", layer).isTrue();
                assertThat(f.info(name).shape()).containsExactly((long) hd, (long) hd);
                float[] r2 = f.readFloats(name);
                double max = 0;
                for (int i = 0; i < r2.length; i++) {
                    max = Math.max(max, Math.abs(r2[i] - h[i] / Math.sqrt(hd)));
                }
                assertThat(max).as("layer %d's R2 is the normalized Hadamard H_%d / √%d", layer, hd, hd)
                        .isLessThan(1e-6);
            }
            Map<String, String> meta = f.metadata();
            assertThat(meta).as("R3 rotates each KV head, R4 down_proj's input")
                    .containsEntry("r3_size", Integer.toString(hd))
                    .containsEntry("r4_size", Integer.toString(spec.intermediateSize()))
                    .containsKeys("r3_k", "r3_normalized", "r3_signs", "r4_k", "r4_normalized", "r4_signs");
        }
    }
}
