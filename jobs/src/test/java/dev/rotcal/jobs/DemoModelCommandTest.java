package dev.rotcal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoMechanism;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.demo.ShapedModel;
import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import dev.rotcal.tokens.TokenCorpus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rotcal demo-model}, run in-process through the real command line. */
class DemoModelCommandTest {
    @TempDir
    Path tmp;

    /** Exit code, stdout and stderr of one in-process run. */
    private record Run(int exitCode, String out, String err) {
    }

    private static Run rotcal(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new RotcalCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void writesTheModelAndCorpusAndSaysWhatAndWhere() throws IOException {
        Path dir = tmp.resolve("demo");
        Run run = rotcal("demo-model", "--out", dir.toString(), "--seed", "7");
        System.out.print(run.out());

        assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        for (String file : List.of(DemoModel.CONFIG_JSON, DemoModel.WEIGHTS, DemoModel.TOKENIZER_JSON,
                DemoModel.MECHANISM_JSON, "tokenizer_config.json", "special_tokens_map.json",
                DemoCorpus.CALIBRATION_NPY, DemoCorpus.EVALUATION_NPY, DemoCorpus.CALIBRATION_TEXT,
                DemoCorpus.EVALUATION_TEXT)) {
            String size = String.format(Locale.ROOT, "%,d bytes", Files.size(dir.resolve(file)));
            assertThat(lines).as("one line for %s with its size", file)
                    .anyMatch(l -> l.trim().startsWith(file + " ") && l.endsWith(" " + size));
        }
        DemoMechanism mechanism = DemoMechanism.of(DemoModelSpec.defaults().withSeed(7));
        assertThat(run.out()).as("the planted mechanism of seed 7")
                .contains("massive channels " + Arrays.toString(mechanism.channels().massive()))
                .contains("MLP of layer " + mechanism.plantedLayer())
                .contains("delimiter \"\\n\" (token id " + mechanism.delimiterTokenId() + ")")
                .contains(Arrays.toString(DemoMechanism.firstTokenValues()));

        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        TokenCorpus tokens = new NpyTokenSource().read(InputFile.local(dir.resolve(DemoCorpus.CALIBRATION_NPY)))
                .checkVocabulary(config.vocabSize());
        assertThat(tokens.ids()).as("calibration tokens for 16 windows of 256").hasSizeGreaterThan(4096);
    }

    @Test
    void defaultFolderIsWhereTheDemoConfigLooks() {
        Config demo = ConfigFactory.parseFile(repositoryRoot().resolve("conf/demo.conf").toFile()).resolve();
        assertThat(demo.getString("rotcal.model.uri")).as("conf/demo.conf reads the model from the default --out")
                .isEqualTo("file:./" + DemoModelCommand.DEFAULT_OUT);
        assertThat(demo.getString("rotcal.data.uri")).as("and the calibration tokens demo-model writes there")
                .isEqualTo("file:./" + DemoModelCommand.DEFAULT_OUT + "/" + DemoCorpus.CALIBRATION_NPY);
    }

    @Test
    void aFolderThatCannotBeCreatedFailsWithOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        Run run = rotcal("demo-model", "--out", file.resolve("demo").toString());

        assertThat(run.exitCode()).as("exit code").isEqualTo(1);
        assertThat(run.err().lines().toList()).as("one line on stderr, no stack trace: %s", run.err()).hasSize(1)
                .first().asString().startsWith("rotcal demo-model: Cannot create the demo model folder")
                .contains(file.toString());
        assertThat(run.out()).as("nothing listed").isEmpty();
    }

    @Test
    void shapeWritesARealShapedModelAndSaysWhatAndWhere() throws IOException {
        Path dir = tmp.resolve("llama2");
        Run run = rotcal("demo-model", "--shape", "llama2-7b", "--layers", "1", "--out", dir.toString(),
                "--calibration-windows", "2", "--evaluation-windows", "1", "--window-tokens", "512");
        System.out.print(run.out());

        assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        for (String file : List.of("model-00001-of-00001.safetensors", "model.safetensors.index.json",
                ModelConfig.FILE_NAME, ShapedModel.MECHANISM_JSON, ShapedModel.CALIBRATION_NPY,
                ShapedModel.EVALUATION_NPY)) {
            String size = String.format(Locale.ROOT, "%,d bytes", Files.size(dir.resolve(file)));
            assertThat(lines).as("one line for %s with its size", file)
                    .anyMatch(l -> l.trim().startsWith(file + " ") && l.endsWith(" " + size));
        }
        assertThat(run.out()).as("what was written")
                .contains("Wrote llama2-7b with 1 layer (seed " + DemoModelSpec.DEFAULT_SEED + ") to " + dir)
                .contains("config.json of meta-llama/Llama-2-7b-hf), hidden 4096, 1 of 32 layers, 32 heads / 32 KV"
                        + " heads")
                .contains("massive channels [2533, 1415], written by the MLP of layer 0 at every delimiter \"\\n\""
                        + " (token id 13)")
                .contains("calibration-tokens.npy 1,024 ids (2 windows of 512, 2 delimiters)")
                .contains("calibrate with sequence-length 512 and sequences 2");
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        assertThat(List.of(config.hiddenSize(), config.intermediateSize(), config.numKeyValueHeads(),
                config.vocabSize(), config.numHiddenLayers())).as("Llama-2-7B's widths, one layer")
                .containsExactly(4096, 11008, 32, 32000, 1);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.isSharded()).as("sharded, with an index").isTrue();
            CheckpointValidator.validate(config, checkpoint);
        }
        TokenCorpus tokens = new NpyTokenSource().read(InputFile.local(dir.resolve(ShapedModel.CALIBRATION_NPY)))
                .checkVocabulary(config.vocabSize());
        assertThat(tokens.ids()).as("2 windows of 512").hasSize(1024);
    }

    @Test
    void shapeOptionsFailInOneLine() {
        Run noShape = rotcal("demo-model", "--layers", "2", "--out", tmp.resolve("x").toString());
        assertThat(noShape.exitCode()).isEqualTo(1);
        assertThat(noShape.err().lines().toList()).as("one line: %s", noShape.err()).containsExactly("rotcal"
                + " demo-model: --layers, --calibration-windows, --evaluation-windows and --window-tokens go with"
                + " --shape (one of llama3-8b, llama3-70b, llama2-7b, mistral-7b, qwen2-7b)");
        Run unknown = rotcal("demo-model", "--shape", "gpt2", "--layers", "1", "--out", tmp.resolve("y").toString());
        assertThat(unknown.err().lines().toList()).as("one line: %s", unknown.err()).containsExactly("rotcal"
                + " demo-model: --shape gpt2 is not a known shape (known: llama3-8b, llama3-70b, llama2-7b,"
                + " mistral-7b, qwen2-7b)");
        Run noLayers = rotcal("demo-model", "--shape", "qwen2-7b", "--out", tmp.resolve("z").toString());
        assertThat(noLayers.err().lines().toList()).as("one line: %s", noLayers.err())
                .containsExactly("rotcal demo-model: --shape qwen2-7b needs --layers N (1..28)");
        Run tooMany = rotcal("demo-model", "--shape", "qwen2-7b", "--layers", "29", "--out",
                tmp.resolve("w").toString());
        assertThat(tooMany.err().lines().toList()).as("one line: %s", tooMany.err()).containsExactly("rotcal"
                + " demo-model: Cannot write qwen2-7b with 29 layers: the real model has 28, so 1..28");
        assertThat(List.of(noShape, unknown, noLayers, tooMany)).as("nothing written, exit 1").allSatisfy(r -> {
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
        });
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(tmp.resolve("w")).doesNotExist();
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("conf/demo.conf")) && Files.isDirectory(dir.resolve("jobs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("[BUG] the repository is not above " + Path.of("").toAbsolutePath());
    }
}
