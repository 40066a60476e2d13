package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.Settings.loader;
import static dev.rotcal.jobs.config.Settings.withInputs;
import static dev.rotcal.jobs.config.Settings.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every settings mistake: one line naming key, value and origin, and exit code 2. */
class SettingsValidationTest {
    private static final String NAME_RULE = "it must be one path segment of letters, digits, '.', '_' and '-' that"
            + " starts with a letter or digit, at most 200 characters";

    @TempDir
    Path dir;

    static Stream<Arguments> badOverrides() {
        return Stream.of(
                bad("a string where a number belongs", "rotcal.refine.iterations=many",
                        "Cannot use rotcal.refine.iterations = \"many\" (--set rotcal.refine.iterations): expected a"
                                + " whole number, not a string (the default is 100)"),
                bad("a fraction where a whole number belongs", "rotcal.refine.iterations=2.5",
                        "Cannot use rotcal.refine.iterations = 2.5 (--set rotcal.refine.iterations): expected a whole"
                                + " number, not a fraction (the default is 100)"),
                bad("iterations < 1", "rotcal.refine.iterations=0",
                        "Cannot use rotcal.refine.iterations = 0 (--set rotcal.refine.iterations): it must be at least"
                                + " 1 (DFRot uses 100)"),
                bad("alpha <= 0", "rotcal.refine.alpha=-1",
                        "Cannot use rotcal.refine.alpha = -1 (--set rotcal.refine.alpha): it must be > 0 (the weight"
                                + " of massive rows; DFRot uses 100, 1 = plain Procrustes)"),
                bad("bits outside 2..8", "rotcal.refine.bits=9",
                        "Cannot use rotcal.refine.bits = 9 (--set rotcal.refine.bits): it must be between 2 and 8"
                                + " (4 for W4A4)"),
                bad("clip ratio above 1", "rotcal.refine.clip-ratio=1.5",
                        "Cannot use rotcal.refine.clip-ratio = 1.5 (--set rotcal.refine.clip-ratio): it must be in"
                                + " (0, 1] (1.0 = no clipping)"),
                bad("clip ratio 0", "rotcal.refine.clip-ratio=0",
                        "Cannot use rotcal.refine.clip-ratio = 0 (--set rotcal.refine.clip-ratio): it must be in"
                                + " (0, 1] (1.0 = no clipping)"),
                bad("sequence length < 2", "rotcal.data.sequence-length=1",
                        "Cannot use rotcal.data.sequence-length = 1 (--set rotcal.data.sequence-length): it must be"
                                + " at least 2 (DFRot uses one window of 2048 tokens)"),
                bad("no sequences", "rotcal.data.sequences=0",
                        "Cannot use rotcal.data.sequences = 0 (--set rotcal.data.sequences): it must be at least 1"
                                + " (DFRot uses 1)"),
                bad("negative partitions", "rotcal.spark.partitions=-1",
                        "Cannot use rotcal.spark.partitions = -1 (--set rotcal.spark.partitions): it must be at"
                                + " least 0 (0 = spark.default.parallelism)"),
                bad("no BLAS threads", "rotcal.spark.blas-threads-per-task=0",
                        "Cannot use rotcal.spark.blas-threads-per-task = 0 (--set rotcal.spark.blas-threads-per-task):"
                                + " it must be between 1 and 1024 (1 = one BLAS thread per task slot)"),
                bad("threshold 0", "rotcal.massive.nr-error-threshold=0",
                        "Cannot use rotcal.massive.nr-error-threshold = 0 (--set rotcal.massive.nr-error-threshold):"
                                + " it must be > 0 (relative to sqrt(d); DFRot's 8.5 at d = 4096 is 0.1328125)"),
                bad("negative magnitude floor", "rotcal.massive.magnitude-min=-100",
                        "Cannot use rotcal.massive.magnitude-min = -100 (--set rotcal.massive.magnitude-min): it must"
                                + " be > 0 (Sun et al. use 100)"),
                bad("infinite median ratio", "rotcal.massive.magnitude-median-ratio=\"Infinity\"",
                        "Cannot use rotcal.massive.magnitude-median-ratio = \"Infinity\""
                                + " (--set rotcal.massive.magnitude-median-ratio): it must be > 0 (Sun et al. use 1000)"),
                bad("negative checkpoint interval", "rotcal.refine.checkpoint-every=-1",
                        "Cannot use rotcal.refine.checkpoint-every = -1 (--set rotcal.refine.checkpoint-every): it must"
                                + " be at least 0 (0 = no checkpoints)"),
                bad("weight bits 0", "rotcal.scales.weight-bits=0",
                        "Cannot use rotcal.scales.weight-bits = 0 (--set rotcal.scales.weight-bits): it must be between"
                                + " 2 and 8 (4 for W4A4KV4)"),
                bad("KV bits 9", "rotcal.scales.kv-bits=9",
                        "Cannot use rotcal.scales.kv-bits = 9 (--set rotcal.scales.kv-bits): it must be between 2 and 8"
                                + " (4 for W4A4KV4)"),
                bad("negative group size", "rotcal.scales.group-size=-128",
                        "Cannot use rotcal.scales.group-size = -128 (--set rotcal.scales.group-size): it must be at"
                                + " least 0 (0 = per output channel; QuaRot's groups are 128)"),
                bad("unknown weight method", "rotcal.scales.weight-methods=[rtn, awq]",
                        "Cannot use rotcal.scales.weight-methods = [\"rtn\",\"awq\"] (--set"
                                + " rotcal.scales.weight-methods): \"awq\" is not one of rtn, gptq, nvfp4, mxfp4, llm-fp4"
                                + " (choose from them)"),
                bad("a weight method twice", "rotcal.scales.weight-methods=[gptq, gptq]",
                        "Cannot use rotcal.scales.weight-methods = [\"gptq\",\"gptq\"] (--set"
                                + " rotcal.scales.weight-methods): gptq is listed twice (list each once)"),
                bad("unknown FP format", "rotcal.scales.fp-formats=[e2m1, e5m2]",
                        "Cannot use rotcal.scales.fp-formats = [\"e2m1\",\"e5m2\"] (--set rotcal.scales.fp-formats):"
                                + " \"e5m2\" is not one of e3m0, e2m1, e1m2 (choose from them)"),
                bad("no FP formats", "rotcal.scales.fp-formats=[]",
                        "Cannot use rotcal.scales.fp-formats = [] (--set rotcal.scales.fp-formats): the list is empty"
                                + " (choose at least one of e3m0, e2m1, e1m2)"),
                bad("evaluation windows 0", "rotcal.evaluate.sequences=0",
                        "Cannot use rotcal.evaluate.sequences = 0 (--set rotcal.evaluate.sequences): it must be at"
                                + " least 1 (more windows give a steadier perplexity)"),
                bad("unknown rule", "rotcal.massive.rule=biggest",
                        "Cannot use rotcal.massive.rule = \"biggest\" (--set rotcal.massive.rule): not one of nr-error,"
                                + " ro-vs-nr, magnitude (choose one of them)"),
                bad("unknown init", "rotcal.refine.init=identity",
                        "Cannot use rotcal.refine.init = \"identity\" (--set rotcal.refine.init): not one of"
                                + " random-hadamard, random-orthogonal (choose one of them)"),
                bad("unknown solver", "rotcal.refine.solver=qr",
                        "Cannot use rotcal.refine.solver = \"qr\" (--set rotcal.refine.solver): not one of auto, svd,"
                                + " eigen, newton-schulz (choose one of them)"),
                bad("unknown data format", "rotcal.data.format=parquet",
                        "Cannot use rotcal.data.format = \"parquet\" (--set rotcal.data.format): not one of auto, npy,"
                                + " safetensors, jsonl, text (choose one of them)"),
                bad("storage level NONE", "rotcal.capture.storage-level=NONE",
                        "Cannot use rotcal.capture.storage-level = \"NONE\" (--set rotcal.capture.storage-level): not"
                                + " one of " + String.join(", ", CaptureSettings.STORAGE_LEVELS)
                                + " (choose one of them)"),
                bad("not a boolean", "rotcal.output.overwrite=maybe",
                        "Cannot use rotcal.output.overwrite = \"maybe\" (--set rotcal.output.overwrite): expected true"
                                + " or false, not a string (the default is false)"),
                bad("null", "rotcal.refine.bits=null",
                        "Cannot use rotcal.refine.bits = null (--set rotcal.refine.bits): expected a whole number"
                                + " (remove the line to keep the default 4)"),
                bad("a run id with a slash", "rotcal.run-id=a/b",
                        "Cannot use rotcal.run-id = \"a/b\" (--set rotcal.run-id): " + NAME_RULE
                                + " (e.g. run-20260131-120000, or \"\" for one from the clock)"),
                bad("a run id '..'", "rotcal.run-id=\"..\"",
                        "Cannot use rotcal.run-id = \"..\" (--set rotcal.run-id): " + NAME_RULE
                                + " (e.g. run-20260131-120000, or \"\" for one from the clock)"),
                bad("a model name with a space", "rotcal.model.name=\"my model\"",
                        "Cannot use rotcal.model.name = \"my model\" (--set rotcal.model.name): " + NAME_RULE
                                + " (e.g. Llama-3.1-8B, or \"\" for the last segment of rotcal.model.uri)"),
                bad("an unknown key", "rotcal.refine.iteratons=5",
                        "Cannot use rotcal.refine.iteratons = 5 (--set rotcal.refine.iteratons): not a rotcal"
                                + " setting (did you mean rotcal.refine.iterations?)"),
                bad("a misplaced key", "rotcal.refine.rule=magnitude",
                        "Cannot use rotcal.refine.rule = \"magnitude\" (--set rotcal.refine.rule): not a rotcal"
                                + " setting (did you mean rotcal.massive.rule?)"),
                bad("a group set to a value", "rotcal.refine=5",
                        "Cannot use rotcal.refine = 5 (--set rotcal.refine): rotcal.refine is a group of settings,"
                                + " not a value (set its keys instead: rotcal.refine.alpha, rotcal.refine.bits,"
                                + " rotcal.refine.checkpoint-every)"),
                bad("an object where a value belongs", "rotcal.spark.master={ url = x }",
                        "Cannot use rotcal.spark.master.url = \"x\" (--set rotcal.spark.master): rotcal.spark.master"
                                + " is a value, not a group of settings (write rotcal.spark.master = …)"),
                bad("an unknown key close to nothing", "rotcal.refine.temperature=0.7",
                        "Cannot use rotcal.refine.temperature = 0.7 (--set rotcal.refine.temperature): not a rotcal"
                                + " setting (reference.conf in the rotcal jar lists every key)"),
                bad("a key in the wrong group", "rotcal.iterations=5",
                        "Cannot use rotcal.iterations = 5 (--set rotcal.iterations): not a rotcal setting (did you"
                                + " mean rotcal.refine.iterations?)"),
                bad("a secret-looking unknown key", "rotcal.s3-secret-key=hunter22",
                        "Cannot use rotcal.s3-secret-key = *****(redacted) (--set rotcal.s3-secret-key): not a rotcal"
                                + " setting (reference.conf in the rotcal jar lists every key)"),
                bad("credentials in a URI", "rotcal.output.uri=s3a://AKIAX:hunter2@bucket/out",
                        "Cannot use rotcal.output.uri = \"s3a://*****(redacted)@bucket/out\" (--set rotcal.output.uri):"
                                + " it embeds credentials (put them in rotcal.hadoop, e.g. \"fs.s3a.access.key\", or"
                                + " better use a credentials provider)"),
                bad("an s3a URI without a bucket", "rotcal.output.uri=s3a:///rotcal",
                        "Cannot use rotcal.output.uri = \"s3a:///rotcal\" (--set rotcal.output.uri): the URI names no"
                                + " bucket (write s3a://<bucket>/<path>; an unset ${?VAR} in an overlay leaves it empty)"),
                bad("an empty output", "rotcal.output.uri=\"\"",
                        "Cannot use rotcal.output.uri = \"\" (--set rotcal.output.uri): it is empty"
                                + " (e.g. s3a://bucket/rotcal)"),
                bad("an unknown data extension", "rotcal.data.uri=file:/data/tokens.bin",
                        "Cannot use rotcal.data.uri = \"file:/data/tokens.bin\" (--set rotcal.data.uri):"
                                + " rotcal.data.format = auto cannot tell its format from the extension (name the file"
                                + " .npy, .safetensors, .jsonl or .txt, or set rotcal.data.format)"),
                bad("both inputs", "rotcal.activations.uri=file:/dumps/a",
                        "Cannot choose what to calibrate: both rotcal.model.uri = \"file:/models/tiny\""
                                + " (--set rotcal.model.uri) and rotcal.activations.uri = \"file:/dumps/a\""
                                + " (--set rotcal.activations.uri) are set (set exactly one: a model checkpoint, or"
                                + " pre-captured activations)"),
                bad("no data for a model", "rotcal.data.uri=\"\"",
                        "Cannot calibrate model file:/models/tiny: rotcal.data.uri is empty (set it to the"
                                + " calibration tokens: .npy, .safetensors, .jsonl or .txt)"),
                bad("a Spark-prefixed Hadoop key", "rotcal.hadoop.spark.hadoop.fs.s3a.endpoint=http://x",
                        "Cannot use rotcal.hadoop.\"spark.hadoop.fs.s3a.endpoint\" (--set"
                                + " rotcal.hadoop.spark.hadoop.fs.s3a.endpoint): rotcal.hadoop takes Hadoop keys without"
                                + " Spark's prefix (write \"fs.s3a.endpoint\")"),
                bad("a Hadoop value that is an object list", "rotcal.hadoop.fs.s3a.x=[{a = 1}]",
                        "Cannot use rotcal.hadoop.\"fs.s3a.x\" = [{\"a\":1}] (--set rotcal.hadoop.fs.s3a.x): a Hadoop"
                                + " setting is a string, number, boolean or list of them (quote the key:"
                                + " \"fs.s3a.x\" = …)"),
                bad("a --set without a value", "rotcal.refine.iterations",
                        "Cannot apply --set rotcal.refine.iterations: expected key=value (e.g. --set"
                                + " rotcal.refine.iterations=5)"),
                bad("a --set without the rotcal prefix", "refine.iterations=5",
                        "Cannot apply --set refine.iterations=…: rotcal's keys start with rotcal. (did you mean"
                                + " rotcal.refine.iterations?)"),
                bad("a --set with broken HOCON", "rotcal.model.name=\"unterminated",
                        "Cannot apply --set rotcal.model.name: the value is not valid HOCON: "),
                bad("a --set that sets two keys", "rotcal.refine.bits=4, rotcal.refine.alpha=3",
                        "Cannot apply --set rotcal.refine.bits: the value sets more than one key (one --set per key;"
                                + " quote values that contain '=' or ',')"),
                bad("an unresolved substitution", "rotcal.run-id=${NOT_SET_ANYWHERE}",
                        "Cannot resolve ${NOT_SET_ANYWHERE} (--set rotcal.run-id): no such setting or environment"
                                + " variable (set NOT_SET_ANYWHERE, or write ${?NOT_SET_ANYWHERE} to make it optional)"));
    }

    private static Arguments bad(String why, String override, String message) {
        return Arguments.of(why, override, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOverrides")
    void refusesWithOneLineAndExitCode2(String why, String override, String message) {
        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(), withInputs(override)),
                SettingsException.class);

        assertThat(e).as("%s is refused with a SettingsException", why).isNotNull();
        if (message.endsWith(": ")) {
            assertThat(e.getMessage()).as("%s: the message", why).startsWith(message);
        } else {
            assertThat(e.getMessage()).as("%s: the message", why).isEqualTo(message);
        }
        assertThat(e.getMessage()).as("one line").doesNotContain("\n");
        assertThat(e.exitCode()).as("settings mistakes exit 2").isEqualTo(2);
    }

    @Test
    void neitherModelNorActivations() {
        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(), List.of()), SettingsException.class);

        assertThat(e.getMessage()).as("reference.conf alone names no input").isEqualTo("Cannot choose what to"
                + " calibrate: neither rotcal.model.uri nor rotcal.activations.uri is set (set one, e.g. --set"
                + " rotcal.model.uri=s3a://bucket/models/Llama-3.1-8B)");
        assertThat(e.exitCode()).isEqualTo(2);
    }

    @Test
    void fileMistakesNameTheFileAndLine() {
        Path file = write(dir.resolve("typo.conf"), """
                rotcal {
                  refine {
                    iterations = 10
                    aplha = 50
                  }
                }
                """);

        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(file), withInputs()),
                SettingsException.class);

        assertThat(e.getMessage()).as("file and line of the unknown key")
                .isEqualTo("Cannot use rotcal.refine.aplha = 50 (" + file + ":4): not a rotcal setting (did you mean"
                        + " rotcal.refine.alpha?)");
    }

    @Test
    void rangeMistakesInAFileNameTheFileAndLine() {
        Path file = write(dir.resolve("range.conf"), "rotcal.refine.bits = 1\n");

        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(file), withInputs()),
                SettingsException.class);

        assertThat(e.getMessage()).isEqualTo("Cannot use rotcal.refine.bits = 1 (" + file + ":1): it must be between 2"
                + " and 8 (4 for W4A4)");
    }

    @Test
    void misspelledTopLevelRotcal() {
        Path file = write(dir.resolve("top.conf"), "# comment\nrotcall.refine.iterations = 10\n");

        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(file), withInputs()),
                SettingsException.class);

        assertThat(e.getMessage()).isEqualTo("Cannot use rotcall (" + file + ":2): not a rotcal setting (did you mean"
                + " rotcal?)");
    }

    @Test
    void missingAndMalformedFiles() {
        Path missing = dir.resolve("nope.conf");
        Path broken = write(dir.resolve("broken.conf"), "rotcal {\n  refine.iterations = [1, 2\n}\n");

        SettingsException notFound = catchThrowableOfType(() -> loader().load(List.of(missing), withInputs()),
                SettingsException.class);
        SettingsException syntax = catchThrowableOfType(() -> loader().load(List.of(broken), withInputs()),
                SettingsException.class);

        assertThat(notFound.getMessage()).isEqualTo("Cannot read config file " + missing + ": not found (check --config)");
        assertThat(syntax.getMessage()).as("the file, the line and typesafe's reason")
                .startsWith("Cannot parse config file " + broken + ": line 3: ")
                .endsWith(" (check the HOCON syntax)")
                .doesNotContain("\n");
        assertThat(syntax.exitCode()).isEqualTo(2);
    }

    @Test
    void unresolvedEnvironmentInAFile() {
        Path file = write(dir.resolve("env.conf"), "rotcal.output.uri = \"s3a://\"${BUCKET}\"/x\"\n");

        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(file), withInputs()),
                SettingsException.class);

        assertThat(e.getMessage()).isEqualTo("Cannot resolve ${BUCKET} (" + file + ":1): no such setting or environment"
                + " variable (set BUCKET, or write ${?BUCKET} to make it optional)");
    }

    @Test
    void keysWrittenBothQuotedAndNestedInOneFile() {
        Path file = write(dir.resolve("both.conf"), """
                rotcal.hadoop {
                  "fs.s3a.endpoint" = "http://a"
                  fs.s3a.endpoint = "http://b"
                }
                """);

        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(file), withInputs()),
                SettingsException.class);

        assertThat(e.getMessage()).isEqualTo("Cannot use rotcal.hadoop.\"fs.s3a.endpoint\" (" + file + ":3): it is"
                + " written both quoted and as nested keys in one file (write Hadoop keys quoted: \"fs.s3a.endpoint\" = …)");
    }
}
