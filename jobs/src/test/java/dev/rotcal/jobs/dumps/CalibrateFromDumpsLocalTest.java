package dev.rotcal.jobs.dumps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.artifact.RotationFile;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.jobs.CalibrateCommand;
import dev.rotcal.jobs.CliErrors;
import dev.rotcal.jobs.calibrate.RunSummary;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.tokens.TokenWindows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibration from activation dumps on local Spark: a dump of the demo model's norm outputs over the same
 * windows calibrates to the same massive tokens and the same R1 as the model itself; a NaN row stops the run.
 */
class CalibrateFromDumpsLocalTest {
    private static final int SEQUENCE_LENGTH = 128;
    private static final int SEQUENCES = 4;
    private static final int PARTITIONS = 4;

    @TempDir
    static Path dir;
    static Path model;
    static Map<String, Tensor> dump; // by name, (rows, d) F32 rows and input_ids
    static Path dumps;               // a folder of two files

    @BeforeAll
    static void writeDemoModelAndItsDump() {
        model = dir.resolve("demo-model");
        DemoModel.write(model, DemoModelSpec.defaults());
        DemoCorpus.write(model, DemoModelSpec.defaults(), DemoCorpusSpec.defaults());
        TokenWindows windows = DemoActivationDumps.windows(model, SEQUENCE_LENGTH, SEQUENCES, 0);
        dump = DemoActivationDumps.capture(model, windows, PARTITIONS);
        dumps = dir.resolve("dumps/demo");
        Map<String, Tensor> early = new TreeMap<>();
        Map<String, Tensor> late = new TreeMap<>();
        dump.forEach((name, t) -> (name.matches("model\\.layers\\.[0-2]\\..*") ? early : late).put(name, t));
        Map<String, String> metadata = Map.of(ActivationDumps.SEQUENCE_LENGTH, Integer.toString(SEQUENCE_LENGTH));
        write(dumps.resolve("part-0.safetensors"), metadata, early.values());
        write(dumps.resolve("part-1.safetensors"), metadata, late.values());
    }

    private static void write(Path file, Map<String, String> metadata, java.util.Collection<Tensor> tensors) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        SafetensorsWriter.write(file, metadata, tensors);
    }

    private static RotcalSettings settings(String runId, List<String> input) {
        List<String> sets = new ArrayList<>(List.of(
                "rotcal.run-id=" + runId,
                "rotcal.model.name=demo",
                "rotcal.output.uri=\"" + dir.resolve("out").toUri() + "\"",
                "rotcal.spark.master=\"local[2]\"",
                "rotcal.spark.partitions=" + PARTITIONS,
                "rotcal.refine.iterations=4",
                "rotcal.refine.checkpoint-every=2"));
        sets.addAll(input);
        return new SettingsLoader().load(List.of(), sets);
    }

    private static List<String> fromModel() {
        return List.of("rotcal.model.uri=\"" + model.toUri() + "\"",
                "rotcal.data.uri=\"" + model.resolve(DemoCorpus.CALIBRATION_NPY).toUri() + "\"",
                "rotcal.data.sequence-length=" + SEQUENCE_LENGTH,
                "rotcal.data.sequences=" + SEQUENCES);
    }

    private static List<String> fromDumps(Path dumps) {
        return List.of("rotcal.activations.uri=\"" + dumps.toUri() + "\"");
    }

    @Test
    void dumpOfTheSameWindowsCalibratesLikeTheModel() throws Exception {
        RunSummary fromModel = CalibrateCommand.run(settings("from-model", fromModel()), new SparkConf(), Map.of(),
                false);
        RunSummary fromDumps = CalibrateCommand.run(settings("from-dumps", fromDumps(dumps)), new SparkConf(),
                Map.of(), false);
        System.out.print(fromDumps.render());

        try (LocalStorage storage = new LocalStorage()) {
            assertThat(new ArtifactVerifier(storage).verify(fromDumps.runUri()).problems())
                    .as("every checksum of the run from dumps matches").isEmpty();
        }
        Path modelRun = Path.of(java.net.URI.create(fromModel.runUri()));
        Path dumpRun = Path.of(java.net.URI.create(fromDumps.runUri()));
        assertThat(tokens(dumpRun)).as("the same massive tokens (sequence/position/token id) as from the model")
                .isNotEmpty().isEqualTo(tokens(modelRun));
        double[] r1Model = r1(modelRun);
        double[] r1Dumps = r1(dumpRun);
        double maxDifference = 0;
        for (int i = 0; i < r1Model.length; i++) {
            maxDifference = Math.max(maxDifference, Math.abs(r1Model[i] - r1Dumps[i]));
        }
        System.out.printf("R1 from dumps vs from the model: max |difference| = %s%n", maxDifference);
        assertThat(maxDifference).as("R1 from the same rows in the same layout").isLessThan(1e-5);

        Manifest manifest = Manifest.read(Files.readAllBytes(dumpRun.resolve("manifest.json")), "manifest.json");
        String headers;
        try (HadoopStorage storage = HadoopStorage.of(Map.of())) {
            headers = ActivationDumps.read(storage, dumps.toUri().toString()).fingerprint();
        }
        assertThat(manifest.model().uri()).as("the manifest names the dumps")
                .isEqualTo(dumps.toUri().toString().replaceAll("/$", ""));
        assertThat(manifest.model().fingerprint()).as("model fingerprint: the dump headers").isEqualTo(headers);
        assertThat(manifest.data().fingerprint()).as("data fingerprint: the dump headers").isEqualTo(headers);
    }

    @Test
    void nanRowStopsTheRunWithOneLineAndPublishesNothing() throws IOException {
        int d = Math.toIntExact(dump.get("model.layers.0.attn_in").shape().get(1));
        Map<String, Tensor> broken = new TreeMap<>();
        dump.forEach((name, t) -> {
            if (t.dtype().isFloating()) { // BF16 and no input_ids: the other branches of the reader
                float[] values = t.floats();
                if (name.equals("model.layers.3.mlp_in")) {
                    values = values.clone();
                    values[(2 * SEQUENCE_LENGTH + 17) * d + 5] = Float.NaN; // sequence 2, position 17, channel 5
                }
                broken.put(name, Tensor.ofFloats(name, SafetensorsDtype.BF16, t.shape(), values));
            }
        });
        Path nan = dir.resolve("dumps/nan.safetensors");
        write(nan, Map.of(ActivationDumps.SEQUENCE_LENGTH, Integer.toString(SEQUENCE_LENGTH)), broken.values());
        RotcalSettings settings = settings("nan", fromDumps(nan));

        Throwable e = catchThrowable(() -> CalibrateCommand.run(settings, new SparkConf(), Map.of(), false));

        CliErrors.Report report = CliErrors.report(e, Set.of());
        assertThat(report).as("one line naming the dump, the layer, the row and the channel; exit code 2")
                .isEqualTo(new CliErrors.Report("Cannot calibrate on " + nan.toUri() + ": layer 3 mlp_in row"
                        + " (sequence 2, position 17) has NaN in channel 5 (the checkpoint or activation dump is"
                        + " broken; check it with rotcal inspect or re-export it)", 2));
        Path run = Path.of(java.net.URI.create(settings.layout().runUri()));
        assertThat(run.resolve("manifest.json")).as("nothing published").doesNotExist();
        assertThat(run.resolve("_SUCCESS")).doesNotExist();
    }

    /** The massive tokens of a published run as "sequence/position/token id". */
    private static Set<String> tokens(Path run) throws IOException {
        MassiveTokenReport report = MassiveTokenReport.read(Files.readAllBytes(run.resolve("massive_tokens.json")),
                "massive_tokens.json");
        return report.tokens().stream().map(t -> t.sequence() + "/" + t.position() + "/" + t.tokenId())
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static double[] r1(Path run) {
        try (SafetensorsFile rotation = SafetensorsFile.open(run.resolve("rotation.safetensors"))) {
            return RotationFile.readR1(rotation);
        }
    }
}
