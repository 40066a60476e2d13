package dev.rotcal.jobs.dumps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotcal.jobs.CliErrors;
import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.jobs.config.Preflight;
import dev.rotcal.jobs.config.PreflightResult;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.SettingsLoader;
import dev.rotcal.jobs.io.HadoopStorage;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's reading of activation dumps: the format's checks, one line each, and the pieces. */
class ActivationDumpsTest {
    private static final int LAYERS = 3;
    private static final int ROWS = 24;
    private static final int D = 64;

    @TempDir
    Path dir;

    private HadoopStorage storage;

    @BeforeEach
    void storage() {
        storage = HadoopStorage.of(Map.of());
    }

    @AfterEach
    void close() throws IOException {
        storage.close();
    }

    /** attn_in and mlp_in of every layer, (ROWS, D) F32, plus input_ids: a well-formed dump by name. */
    private static Map<String, Tensor> tensors() {
        Map<String, Tensor> tensors = new TreeMap<>();
        Random random = new Random(7);
        for (int layer = 0; layer < LAYERS; layer++) {
            for (RowSite site : RowSite.values()) {
                tensors.put(ActivationDumps.tensorName(layer, site), rows(ActivationDumps.tensorName(layer, site),
                        SafetensorsDtype.F32, ROWS, D, random));
            }
        }
        int[] ids = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 100 + i;
        }
        tensors.put(ActivationDumps.INPUT_IDS, Tensor.ofInts(ActivationDumps.INPUT_IDS, List.of((long) ROWS), ids));
        return tensors;
    }

    private static Tensor rows(String name, SafetensorsDtype dtype, int rows, int d, Random random) {
        float[] values = new float[rows * d]; // (rows, d)
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(name, dtype, List.of((long) rows, (long) d), values);
    }

    private String write(String name, Map<String, String> metadata, Map<String, Tensor> tensors) {
        Path file = dir.resolve(name);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        SafetensorsWriter.write(file, metadata, tensors.values());
        return "file:" + file;
    }

    private ActivationDumps read(String uri) throws IOException {
        return ActivationDumps.read(storage, uri);
    }

    /** The one line the command prints for what stopped the read, and its exit code 2. */
    private String refusal(String uri) {
        Throwable e = catchThrowable(() -> read(uri));
        assertThat(e).as("the dump at %s is refused", uri).isNotNull();
        CliErrors.Report report = CliErrors.report(e, Set.of());
        assertThat(report.exitCode()).as("bad input exits with 2: %s", report.line()).isEqualTo(2);
        assertThat(report.line()).as("one line").doesNotContain("\n").startsWith("Cannot ");
        return report.line();
    }

    @Test
    void readsAWellFormedDumpFromItsHeaders() throws IOException {
        String uri = write("dump.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "8",
                ActivationDumps.HIDDEN_SIZE, "64"), tensors());

        ActivationDumps dumps = read(uri);

        assertThat(dumps.layers()).isEqualTo(LAYERS);
        assertThat(dumps.rows()).isEqualTo(ROWS);
        assertThat(dumps.hiddenSize()).isEqualTo(D);
        assertThat(dumps.sequenceLength()).isEqualTo(8);
        assertThat(dumps.sequences()).isEqualTo(3);
        assertThat(dumps.files()).containsExactly(uri);
        assertThat(dumps.inputIds()).isNotNull();
        assertThat(dumps.tensor(2, RowSite.MLP_INPUT).name()).isEqualTo("model.layers.2.mlp_in");
        assertThat(dumps.rowCount()).isEqualTo(2L * LAYERS * ROWS);
    }

    @Test
    void readsAFolderOfFilesInNameOrderWithoutTokensAsOneSequence() throws IOException {
        Map<String, Tensor> all = tensors();
        all.remove(ActivationDumps.INPUT_IDS);
        Map<String, Tensor> first = new TreeMap<>();
        Map<String, Tensor> second = new TreeMap<>();
        all.forEach((name, t) -> (name.startsWith("model.layers.0.") ? first : second).put(name, t));
        write("dumps/b.safetensors", Map.of(), second);
        write("dumps/a.safetensors", Map.of(), first);
        Files.writeString(dir.resolve("dumps/README.txt"), "not a dump");
        String folder = "file:" + dir.resolve("dumps");

        ActivationDumps dumps = read(folder);

        assertThat(dumps.files()).as("the *.safetensors files in name order")
                .containsExactly(folder + "/a.safetensors", folder + "/b.safetensors");
        assertThat(dumps.tensor(0, RowSite.ATTENTION_INPUT).file()).isEqualTo(folder + "/a.safetensors");
        assertThat(dumps.tensor(1, RowSite.ATTENTION_INPUT).file()).isEqualTo(folder + "/b.safetensors");
        assertThat(dumps.sequenceLength()).as("no sequence_length: all rows are one sequence").isEqualTo(ROWS);
        assertThat(dumps.inputIds()).isNull();
    }

    @Test
    void fingerprintCoversTheHeaders() throws IOException {
        String a = write("a.safetensors", Map.of(), tensors());
        String same = write("same/a.safetensors", Map.of(), tensors());
        String other = write("b/a.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "12"), tensors());

        assertThat(read(same).fingerprint()).as("same headers, other folder").isEqualTo(read(a).fingerprint());
        assertThat(read(other).fingerprint()).as("other metadata").isNotEqualTo(read(a).fingerprint());
    }

    @Test
    void piecesFollowTheCaptureOrderInBlocksOfWholeSequences() throws IOException {
        ActivationDumps dumps = read(write("dump.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "8"),
                tensors()));

        List<DumpPiece> pieces = dumps.pieces(2, 5); // blocks of 2 and 1 sequences: rows [0, 16) and [16, 24)
        List<String> got = new ArrayList<>();
        for (DumpPiece p : pieces.subList(0, 8)) {
            got.add(p.layer() + " " + p.site().label() + " " + p.firstRow() + "+" + p.count());
        }
        assertThat(got).as("layer, then block, then attn_in before mlp_in, then pieces of at most 5 rows")
                .containsExactly("0 attn_in 0+5", "0 attn_in 5+5", "0 attn_in 10+5", "0 attn_in 15+1",
                        "0 mlp_in 0+5", "0 mlp_in 5+5", "0 mlp_in 10+5", "0 mlp_in 15+1");
        assertThat(pieces.get(8).firstRow()).as("then the second block").isEqualTo(16);
        assertThat(pieces.stream().mapToLong(DumpPiece::count).sum()).as("every row once")
                .isEqualTo(dumps.rowCount());
    }

    @Test
    void missingMlpInOfALayer() {
        Map<String, Tensor> tensors = tensors();
        tensors.remove("model.layers.1.mlp_in");
        String uri = write("dump.safetensors", Map.of(), tensors);

        assertThat(refusal(uri)).isEqualTo("Cannot read activation dumps " + uri + ": layer 1 has"
                + " model.layers.1.attn_in (in " + uri + ") but no model.layers.1.mlp_in (every layer needs both norm"
                + " outputs: write model.layers.1.mlp_in)");
    }

    @Test
    void missingLayer() {
        Map<String, Tensor> tensors = tensors();
        tensors.remove("model.layers.1.attn_in");
        tensors.remove("model.layers.1.mlp_in");
        String uri = write("dump.safetensors", Map.of(), tensors);

        assertThat(refusal(uri)).isEqualTo("Cannot read activation dumps " + uri + ": layer 1 is missing but layer 2"
                + " is there (layers are numbered from 0 without gaps: write model.layers.1.attn_in and"
                + " model.layers.1.mlp_in)");
    }

    @Test
    void widthMismatch() {
        Map<String, Tensor> tensors = tensors();
        tensors.put("model.layers.1.mlp_in", rows("model.layers.1.mlp_in", SafetensorsDtype.F32, ROWS, 32,
                new Random(1)));
        String uri = write("dump.safetensors", Map.of(), tensors);

        assertThat(refusal(uri)).isEqualTo("Cannot read activation dump " + uri + ": tensor model.layers.1.mlp_in is"
                + " 32 wide but model.layers.0.attn_in (in " + uri + ") is 64 wide (every tensor is [rows, hidden"
                + " size] of one model)");
    }

    @Test
    void rowCountMismatch() {
        Map<String, Tensor> tensors = tensors();
        tensors.put("model.layers.2.attn_in", rows("model.layers.2.attn_in", SafetensorsDtype.BF16, ROWS - 1, D,
                new Random(1)));
        String uri = write("dump.safetensors", Map.of(), tensors);

        assertThat(refusal(uri)).isEqualTo("Cannot read activation dump " + uri + ": tensor model.layers.2.attn_in"
                + " has 23 rows but model.layers.0.attn_in (in " + uri + ") has 24 (every tensor holds the same"
                + " tokens in the same order)");
    }

    @Test
    void integerRows() {
        Map<String, Tensor> tensors = tensors();
        tensors.put("model.layers.0.mlp_in", Tensor.ofInts("model.layers.0.mlp_in", List.of((long) ROWS, (long) D),
                new int[ROWS * D]));
        String uri = write("dump.safetensors", Map.of(), tensors);

        assertThat(refusal(uri)).isEqualTo("Cannot read activation dump " + uri + ": tensor model.layers.0.mlp_in is"
                + " I32, expected F32, F16 or BF16 (the norm output x / rms(x) as floats)");
    }

    @Test
    void oneDimensionalRows() {
        Map<String, Tensor> tensors = tensors();
        tensors.put("model.layers.0.mlp_in", Tensor.ofFloats("model.layers.0.mlp_in", SafetensorsDtype.F16,
                List.of((long) ROWS * D), new float[ROWS * D]));
        String uri = write("dump.safetensors", Map.of(), tensors);

        assertThat(refusal(uri)).isEqualTo("Cannot read activation dump " + uri + ": tensor model.layers.0.mlp_in has"
                + " shape [1536], expected [rows, hidden size]");
    }

    @Test
    void inputIdsOfAnotherLengthOrType() {
        Map<String, Tensor> tensors = tensors();
        tensors.put(ActivationDumps.INPUT_IDS, Tensor.ofLongs(ActivationDumps.INPUT_IDS, List.of(5L), new long[5]));
        String shorter = write("short.safetensors", Map.of(), tensors);
        tensors.put(ActivationDumps.INPUT_IDS, Tensor.ofFloats(ActivationDumps.INPUT_IDS, SafetensorsDtype.F32,
                List.of((long) ROWS), new float[ROWS]));
        String floats = write("floats.safetensors", Map.of(), tensors);

        assertThat(refusal(shorter)).isEqualTo("Cannot read activation dump " + shorter + ": tensor input_ids has 5"
                + " ids but model.layers.0.attn_in (in " + shorter + ") has 24 rows (input_ids holds the token id of"
                + " every row)");
        assertThat(refusal(floats)).isEqualTo("Cannot read activation dump " + floats + ": tensor input_ids is F32,"
                + " expected I32 or I64 (the token id of every row)");
    }

    @Test
    void metadataThatDoesNotFit() {
        String ragged = write("ragged.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "7"), tensors());
        String text = write("text.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "2k"), tensors());
        String width = write("width.safetensors", Map.of(ActivationDumps.HIDDEN_SIZE, "4096"), tensors());

        assertThat(refusal(ragged)).isEqualTo("Cannot read activation dumps " + ragged + ": 24 rows are not whole"
                + " sequences of __metadata__ sequence_length = 7 (in " + ragged + ")");
        assertThat(refusal(text)).isEqualTo("Cannot read activation dump " + text + ": __metadata__ sequence_length ="
                + " \"2k\" is not a positive integer");
        assertThat(refusal(width)).isEqualTo("Cannot read activation dump " + width + ": __metadata__ hidden_size ="
                + " 4096 but tensor model.layers.0.attn_in (in " + width + ") is 64 wide");
    }

    @Test
    void filesThatDisagreeOrRepeat() {
        Map<String, Tensor> all = tensors();
        Map<String, Tensor> layer0 = new TreeMap<>(Map.of("model.layers.0.attn_in", all.get("model.layers.0.attn_in"),
                "model.layers.0.mlp_in", all.get("model.layers.0.mlp_in")));
        write("twice/a.safetensors", Map.of(), all);
        write("twice/b.safetensors", Map.of(), layer0);
        write("disagree/a.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "8"), layer0);
        all.keySet().removeAll(layer0.keySet());
        write("disagree/b.safetensors", Map.of(ActivationDumps.SEQUENCE_LENGTH, "12"), all);
        String twice = "file:" + dir.resolve("twice");
        String disagree = "file:" + dir.resolve("disagree");

        assertThat(refusal(twice)).isEqualTo("Cannot read activation dumps " + twice + ": tensor"
                + " model.layers.0.attn_in is in both " + twice + "/a.safetensors and " + twice + "/b.safetensors"
                + " (each tensor belongs in one file)");
        assertThat(refusal(disagree)).isEqualTo("Cannot read activation dumps " + disagree + ": __metadata__"
                + " sequence_length is 8 in " + disagree + "/a.safetensors but 12 in " + disagree + "/b.safetensors"
                + " (the files must describe the same tokens)");
    }

    @Test
    void foldersWithoutDumps() throws IOException {
        Files.createDirectories(dir.resolve("empty"));
        String empty = "file:" + dir.resolve("empty");
        String other = write("other.safetensors", Map.of(), Map.of("lm_head.weight",
                rows("lm_head.weight", SafetensorsDtype.F32, 4, 4, new Random(1))));

        assertThat(refusal(empty)).isEqualTo("Cannot read activation dumps " + empty + ": the folder holds no"
                + " *.safetensors file (point rotcal.activations.uri at a dump file or a folder of them)");
        assertThat(refusal(other)).isEqualTo("Cannot read activation dumps " + other + ": none of its 1 files has a"
                + " tensor named model.layers.{i}.attn_in or model.layers.{i}.mlp_in (it has lm_head.weight) (write"
                + " the input_layernorm and post_attention_layernorm outputs without the gain under these names)");
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = dir.resolve("truncated.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        String uri = "file:" + file;

        assertThat(refusal(uri)).isEqualTo("Cannot read safetensors file " + uri + ": file is 3 bytes, too short for"
                + " the 8-byte header length (empty or truncated file?)");
    }

    @Test
    void preflightTakesTheWidthFromTheDumpAndChecksItsHadamard() throws IOException {
        String good = write("good.safetensors", Map.of(), tensors());
        Map<String, Tensor> narrow = new TreeMap<>();
        for (RowSite site : RowSite.values()) {
            String name = ActivationDumps.tensorName(0, site);
            narrow.put(name, rows(name, SafetensorsDtype.F32, 4, 14, new Random(2)));
        }
        String bad = write("narrow.safetensors", Map.of(), narrow);

        PreflightResult result = new Preflight(storage).check(settings(good));
        assertThat(result.activationDumps()).hasValueSatisfying(d -> assertThat(d.hiddenSize()).isEqualTo(D));
        assertThat(result.hiddenHadamard()).as("d = 64 = 1·2^6")
                .hasValueSatisfying(h -> assertThat(h.k()).isEqualTo(1));
        Throwable e = catchThrowable(() -> new Preflight(storage).check(settings(bad)));
        assertThat(CliErrors.report(e, Set.of())).as("the model name defaults to the dump's last path segment")
                .isEqualTo(new CliErrors.Report("Cannot calibrate narrow.safetensors: hidden size 14 has no Hadamard"
                        + " matrix (supported: K·2^m with K in {1, 12, 20, 28, 36, 40, 52, 60, 108, 140, 148, 156,"
                        + " 172})", 2));
    }

    @Test
    void preflightRefusesTheMagnitudeRuleWithDumps() {
        String good = write("good.safetensors", Map.of(), tensors());

        Throwable e = catchThrowable(() -> new Preflight(storage).check(settings(good,
                "rotcal.massive.rule=magnitude")));

        assertThat(CliErrors.report(e, Set.of())).isEqualTo(new CliErrors.Report("Cannot find massive rows by"
                + " rotcal.massive.rule = magnitude in activation dumps: the rule needs rms(h) of the residual stream,"
                + " and dumps hold only x / rms(x) (use nr-error or ro-vs-nr, or calibrate the model through"
                + " rotcal.model.uri)", 2));
    }

    private RotcalSettings settings(String dumps, String... more) {
        List<String> sets = new ArrayList<>(List.of("rotcal.activations.uri=\"" + dumps + "\"",
                "rotcal.output.uri=\"file:" + dir.resolve("out") + "\"", "rotcal.run-id=r1"));
        sets.addAll(List.of(more));
        return new SettingsLoader().load(List.of(), sets);
    }
}
