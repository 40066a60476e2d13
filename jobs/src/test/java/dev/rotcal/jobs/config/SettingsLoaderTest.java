package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.Settings.load;
import static dev.rotcal.jobs.config.Settings.loader;
import static dev.rotcal.jobs.config.Settings.withInputs;
import static dev.rotcal.jobs.config.Settings.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.jobs.config.DataSettings.Format;
import dev.rotcal.jobs.config.MassiveSettings.Rule;
import dev.rotcal.jobs.config.RefineSettings.Init;
import dev.rotcal.jobs.config.RefineSettings.Solver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layering, defaults and the effective-config tree. */
class SettingsLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreReferenceConfs() {
        RotcalSettings s = load();

        assertThat(s.runId()).as("an empty run id becomes run-<UTC time>").isEqualTo("run-20260131-123456");
        assertThat(s.model()).as("the model name is the last segment of model.uri")
                .isEqualTo(new ModelSettings("file:/models/tiny", "tiny"));
        assertThat(s.activations().isSet()).isFalse();
        assertThat(s.data()).as("format auto resolves from .npy; DFRot's one 2048-token window")
                .isEqualTo(new DataSettings("file:/data/tokens.npy", Format.NPY, "", 2048, 1, 0));
        assertThat(s.output()).as("file:./out is made absolute against the working directory")
                .isEqualTo(new OutputSettings("file:/work/rotcal/out", false));
        assertThat(s.spark()).isEqualTo(new SparkSettings("", 0, 1, 0));
        assertThat(s.capture().storageLevel()).isEqualTo("MEMORY_AND_DISK_SER");
        assertThat(s.capture().sparkStorageLevel().useDisk()).as("a real Spark StorageLevel").isTrue();
        assertThat(s.massive()).isEqualTo(new MassiveSettings(Rule.NR_ERROR, 8.5 / 64, 100.0, 1000.0, 0));
        assertThat(s.refine()).as("DFRot's recipe")
                .isEqualTo(new RefineSettings(100, 100.0, Init.RANDOM_HADAMARD, 0, Solver.AUTO, 10, 4, 1.0, false));
        assertThat(s.hadoop()).isEmpty();
        assertThat(s.layout().runUri()).isEqualTo("file:/work/rotcal/out/tiny/run-20260131-123456");
    }

    @Test
    void everyReferenceKeyIsReadAndShownInTheTree() {
        Set<String> reference = UnknownKeys.leafPaths(SettingsLoader.reference());
        Set<String> tree = new TreeSet<>();
        leaves("", load().toRedactedTree(), tree);

        assertThat(tree).as("the manifest's config has exactly reference.conf's keys").isEqualTo(reference);
        assertThat(reference).as("every key of the briefs is declared (31 + scales 15 + evaluate 6)").hasSize(52);
    }

    @Test
    void setOverridesUseHoconValues() {
        RotcalSettings s = load("rotcal.refine.iterations=5", "rotcal.output.uri=\"s3a://b/x\"",
                "rotcal.refine.alpha=1e2", "rotcal.massive.rule=MAGNITUDE", "rotcal.refine.solver=newton-schulz",
                "rotcal.run-id=nightly-7", "rotcal.spark.master=local[2]", "rotcal.output.overwrite=true",
                "rotcal.refine.iterations=6");

        assertThat(s.refine().iterations()).as("the later --set of a key wins").isEqualTo(6);
        assertThat(s.output().uri()).as("a quoted HOCON string").isEqualTo("s3a://b/x");
        assertThat(s.refine().alpha()).isEqualTo(100.0);
        assertThat(s.massive().rule()).as("enum names are case-insensitive").isEqualTo(Rule.MAGNITUDE);
        assertThat(s.refine().solver()).isEqualTo(Solver.NEWTON_SCHULZ);
        assertThat(s.runId()).isEqualTo("nightly-7");
        assertThat(s.spark().master()).isEqualTo("local[2]");
        assertThat(s.output().overwrite()).isTrue();
    }

    @Test
    void gptqActOrderIsPerChannelOnly() {
        assertThat(load("rotcal.scales.gptq-act-order=true").scales().gptqActOrder()).isTrue();
        assertThat(load().scales().gptqActOrder()).as("off by default, as gptq.py").isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> load("rotcal.scales.gptq-act-order=true",
                        "rotcal.scales.group-size=128"))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("Cannot use rotcal.scales.gptq-act-order = true")
                .hasMessageContaining("set rotcal.scales.group-size = 0 or gptq-act-order = false");
    }

    @Test
    void unquotedUrisInSetAreLiteralText() {
        RotcalSettings s = load("rotcal.output.uri=s3a://bucket/rotcal/", "rotcal.data.uri=hdfs:///data/t#1.jsonl");

        assertThat(s.output().uri()).as("':' and '//' would break HOCON: taken literally, trailing '/' dropped")
                .isEqualTo("s3a://bucket/rotcal");
        assertThat(s.data().uri()).as("'#' is not a comment in a --set value").isEqualTo("hdfs:///data/t#1.jsonl");
        assertThat(s.data().format()).isEqualTo(Format.JSONL);
    }

    @Test
    void overlayFilesLayerInOrderWithIncludesAndEnvironment() {
        write(dir.resolve("base.conf"), """
                rotcal.refine { iterations = 7, alpha = 10 }
                rotcal.data.sequences = 3
                """);
        Path first = write(dir.resolve("first.conf"), """
                include "base.conf"
                rotcal {
                  model.uri = "s3a://"${?BUCKET}"/models/Qwen2-7B"
                  data.uri = ${rotcal.model.uri}"/tokens.safetensors"
                  refine.alpha = 20
                  run-id = ${?RUN}
                }
                """);
        Path second = write(dir.resolve("second.conf"), "rotcal.refine.iterations = 8\n");

        RotcalSettings s = loader(Map.of("BUCKET", "models-bucket", "RUN", "airflow-42"))
                .load(List.of(first, second), List.of("rotcal.data.sequences=4"));

        assertThat(s.model().uri()).as("${?ENV} from the loader's environment")
                .isEqualTo("s3a://models-bucket/models/Qwen2-7B");
        assertThat(s.model().name()).isEqualTo("Qwen2-7B");
        assertThat(s.data().uri()).as("a substitution of another setting")
                .isEqualTo("s3a://models-bucket/models/Qwen2-7B/tokens.safetensors");
        assertThat(s.data().format()).isEqualTo(Format.SAFETENSORS);
        assertThat(s.runId()).isEqualTo("airflow-42");
        assertThat(s.refine().iterations()).as("second.conf over first.conf over the included base").isEqualTo(8);
        assertThat(s.refine().alpha()).as("first.conf over its include").isEqualTo(20.0);
        assertThat(s.data().sequences()).as("--set over every file").isEqualTo(4);
    }

    @Test
    void unsetOptionalEnvironmentKeepsTheDefault() {
        Path file = write(dir.resolve("env.conf"), "rotcal.run-id = ${?RUN}\nrotcal.refine.seed = ${?SEED}\n");

        RotcalSettings s = loader().load(List.of(file), withInputs());

        assertThat(s.runId()).isEqualTo("run-20260131-123456");
        assertThat(s.refine().seed()).isZero();
    }

    @Test
    void theDefaultLoaderReadsTheProcessEnvironment() {
        Path file = write(dir.resolve("path.conf"), "rotcal.spark.master = ${?PATH}\n");

        RotcalSettings s = new SettingsLoader().load(List.of(file), withInputs());

        assertThat(s.spark().master()).as("${?PATH} from the real environment").isEqualTo(System.getenv("PATH"));
    }

    @Test
    void hadoopKeysMergeWhetherQuotedOrNested() {
        Path file = write(dir.resolve("hadoop.conf"), """
                rotcal.hadoop {
                  fs.s3a.endpoint = "http://file:9000"
                  "fs.s3a.endpoint.region" = eu-west-1
                  "fs.s3a.attempts.maximum" = 3
                  "fs.s3a.path.style.access" = true
                  "fs.s3a.aws.credentials.provider" = [a.B, c.D]
                  "fs.s3a.connection.ssl.enabled" = false
                }
                """);

        RotcalSettings s = loader().load(List.of(file), withInputs(
                "rotcal.hadoop.fs.s3a.endpoint=http://127.0.0.1:9000",
                "rotcal.hadoop.fs.s3a.connection.ssl.enabled=null"));

        assertThat(s.hadoop()).as("--set replaces a nested key from a file; null removes one; lists are joined")
                .containsOnly(entry("fs.s3a.endpoint", "http://127.0.0.1:9000"),
                        entry("fs.s3a.endpoint.region", "eu-west-1"), entry("fs.s3a.attempts.maximum", "3"),
                        entry("fs.s3a.path.style.access", "true"), entry("fs.s3a.aws.credentials.provider", "a.B,c.D"));
    }

    @Test
    void textDataGetsTheModelsTokenizer() {
        RotcalSettings s = loader().load(List.of(), List.of("rotcal.model.uri=s3a://b/m/Llama-3.1-8B/",
                "rotcal.data.uri=s3a://b/wiki.txt"));

        assertThat(s.data().format()).isEqualTo(Format.TEXT);
        assertThat(s.data().tokenizerUri()).isEqualTo("s3a://b/m/Llama-3.1-8B/tokenizer.json");
        assertThat(s.model().name()).as("trailing slashes do not make an empty name").isEqualTo("Llama-3.1-8B");
    }

    @Test
    void activationsNeedNoData() {
        RotcalSettings s = loader().load(List.of(), List.of("rotcal.activations.uri=hdfs://nn:8020/dumps/mixtral"));

        assertThat(s.calibratesModel()).isFalse();
        assertThat(s.inputUri()).isEqualTo("hdfs://nn:8020/dumps/mixtral");
        assertThat(s.model().name()).as("named after activations.uri").isEqualTo("mixtral");
        assertThat(s.data().format()).as("nothing to resolve without data").isEqualTo(Format.AUTO);
    }

    @Test
    void theTreeIsHoconThatLoadsBackToTheSameSettings() throws Exception {
        RotcalSettings s = load("rotcal.refine.iterations=12", "rotcal.massive.rule=ro-vs-nr",
                "rotcal.hadoop.fs.s3a.endpoint.region=us-east-1", "rotcal.run-id=r1");
        Path copy = write(dir.resolve("effective.json"), s.toJson());

        RotcalSettings again = loader().load(List.of(copy), List.of());

        assertThat(again).as("the manifest's config reproduces the run's settings").isEqualTo(s);
        JsonNode tree = new ObjectMapper().readTree(s.toJson());
        assertThat(tree.at("/rotcal/refine/iterations").asInt()).isEqualTo(12);
        assertThat(tree.at("/rotcal/massive/rule").asText()).isEqualTo("ro-vs-nr");
        assertThat(s.seeds()).containsOnlyKeys("data_sampling", "massive_ro", "refine_init");
    }

    @Test
    void settingsSurviveJavaSerializationAsOnAnExecutor() throws Exception {
        RotcalSettings s = load("rotcal.hadoop.fs.s3a.endpoint=http://x:1");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        Object copy = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())).readObject();

        assertThat(copy).as("records, enums and the map serialize").isEqualTo(s);
    }

    private static void leaves(String path, JsonNode node, Set<String> out) {
        if (!node.isObject()) {
            out.add(path);
            return;
        }
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        for (String name : names) {
            if (path.equals("rotcal.hadoop")) {
                continue;
            }
            leaves(path.isEmpty() ? name : path + "." + name, node.get(name), out);
        }
    }
}
