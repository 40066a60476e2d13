package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.Settings.confDir;
import static dev.rotcal.jobs.config.Settings.loader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

/** Every overlay in conf/ loads and validates; ${?ENV} values come from the loader's environment, not the real one. */
class OverlaysTest {
    private static final Map<String, String> S3_ENV = Map.of(
            "ROTCAL_BUCKET", "team-bucket",
            "AWS_REGION", "eu-west-1",
            "AWS_ENDPOINT_URL", "https://s3.eu-west-1.amazonaws.com");

    private final Path conf = confDir();

    @Test
    void demoNeedsNoEnvironment() {
        RotcalSettings s = loader().load(List.of(conf.resolve("demo.conf")), List.of());

        assertThat(s.model().uri()).as("relative to the working directory").isEqualTo("file:/work/rotcal/out/demo-model");
        assertThat(s.model().name()).as("not demo-model: runs stay out of the checkpoint folder").isEqualTo("rotcal-demo");
        assertThat(s.data().uri()).isEqualTo("file:/work/rotcal/out/demo-model/calibration-tokens.npy");
        assertThat(s.data().format()).isEqualTo(DataSettings.Format.NPY);
        assertThat(s.output().uri()).isEqualTo("file:/work/rotcal/out");
        assertThat(s.spark().master()).isEqualTo("local[2]");
        assertThat(s.refine().iterations()).as("a few minutes on 2 cores").isEqualTo(30);
        assertThat(s.data().sequences() * s.data().sequenceLength()).isEqualTo(4096);
    }

    @Test
    void localTakesItsInputsFromTheEnvironment() {
        Path local = conf.resolve("local.conf");
        SettingsException unset = catchThrowableOfType(() -> loader().load(List.of(local), List.of()),
                SettingsException.class);

        RotcalSettings s = loader(Map.of("ROTCAL_MODEL_URI", "file:/models/Llama-3.1-8B",
                "ROTCAL_DATA_URI", "file:/data/wiki.npy", "ROTCAL_RUN_ID", "manual-1")).load(List.of(local), List.of());

        assertThat(unset.getMessage()).as("without the variables no input is named")
                .startsWith("Cannot choose what to calibrate: neither rotcal.model.uri nor rotcal.activations.uri");
        assertThat(s.model()).isEqualTo(new ModelSettings("file:/models/Llama-3.1-8B", "Llama-3.1-8B"));
        assertThat(s.runId()).isEqualTo("manual-1");
        assertThat(s.spark().master()).isEqualTo("local[*]");
        assertThat(s.layout().runUri()).isEqualTo("file:/work/rotcal/out/Llama-3.1-8B/manual-1");
    }

    @Test
    void clusterS3ResolvesBucketEndpointAndRegionFromTheEnvironment() {
        RotcalSettings s = loader(S3_ENV).load(List.of(conf.resolve("cluster-s3.conf")), List.of());

        assertThat(s.model().uri()).isEqualTo("s3a://team-bucket/models/Meta-Llama-3-8B");
        assertThat(s.data().uri()).isEqualTo("s3a://team-bucket/calibration/wikitext2-train-llama3.npy");
        assertThat(s.output().uri()).isEqualTo("s3a://team-bucket/rotcal/artifacts");
        assertThat(s.spark().hasMaster()).as("the master comes from spark-submit").isFalse();
        assertThat(s.hadoop()).as("the default credentials chain; endpoint and region from AWS_*; no secret")
                .contains(entry("fs.s3a.aws.credentials.provider", "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"),
                        entry("fs.s3a.endpoint", "https://s3.eu-west-1.amazonaws.com"),
                        entry("fs.s3a.endpoint.region", "eu-west-1"))
                .doesNotContainKeys("fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.path.style.access");
    }

    @Test
    void clusterS3OverridesFromTheEnvironment() {
        Map<String, String> env = new java.util.HashMap<>(S3_ENV);
        env.put("ROTCAL_MODEL_URI", "s3a://other/models/Qwen2-7B");
        env.put("ROTCAL_S3A_CREDENTIALS_PROVIDER", "com.example.AssumedRole");
        env.put("AWS_ENDPOINT_URL_S3", "http://minio:9000");
        env.put("ROTCAL_S3A_PATH_STYLE", "true");

        RotcalSettings s = loader(env).load(List.of(conf.resolve("cluster-s3.conf")),
                List.of("rotcal.hadoop.fs.s3a.endpoint.region=us-west-2"));

        assertThat(s.model().name()).isEqualTo("Qwen2-7B");
        assertThat(s.hadoop()).contains(entry("fs.s3a.aws.credentials.provider", "com.example.AssumedRole"),
                entry("fs.s3a.endpoint", "http://minio:9000"), entry("fs.s3a.path.style.access", "true"),
                entry("fs.s3a.endpoint.region", "us-west-2"));
    }

    @Test
    void clusterS3WithoutABucketSaysSo() {
        Path file = conf.resolve("cluster-s3.conf");

        SettingsException e = catchThrowableOfType(() -> loader().load(List.of(file), List.of()),
                SettingsException.class);

        assertThat(e.getMessage()).as("an unset ROTCAL_BUCKET leaves s3a:/// and the message says where")
                .startsWith("Cannot use rotcal.model.uri = \"s3a:///models/Meta-Llama-3-8B\" (" + file + ":")
                .endsWith("): the URI names no bucket (write s3a://<bucket>/<path>; an unset ${?VAR} in an overlay"
                        + " leaves it empty)");
    }

    @Test
    void llama3PresetIsDfrotsRecipe() {
        RotcalSettings s = loader(S3_ENV).load(List.of(conf.resolve("cluster-s3.conf"), conf.resolve("llama3-8b.conf")),
                List.of());

        assertThat(s.model().name()).isEqualTo("Meta-Llama-3-8B");
        assertThat(s.data().sequenceLength()).isEqualTo(2048);
        assertThat(s.data().sequences()).isEqualTo(1);
        assertThat(s.refine().iterations()).isEqualTo(100);
        assertThat(s.refine().alpha()).isEqualTo(100.0);
        assertThat(s.spark().partitions()).as("one wave on 64 cores").isEqualTo(64);
        assertThat(s.layout().runUri()).startsWith("s3a://team-bucket/rotcal/artifacts/Meta-Llama-3-8B/run-");
    }

    @Test
    void llama3PresetAloneWithSetInputs() {
        RotcalSettings s = loader().load(List.of(conf.resolve("llama3-8b.conf")),
                List.of("rotcal.model.uri=hdfs:///models/llama3", "rotcal.data.uri=hdfs:///data/c4.jsonl"));

        assertThat(s.model().name()).as("the preset's name wins over the URI's last segment")
                .isEqualTo("Meta-Llama-3-8B");
        assertThat(s.data().format()).isEqualTo(DataSettings.Format.JSONL);
    }

    @Test
    void log4j2PropertiesPrintTheRunIdAndQuietSpark() throws Exception {
        Path file = conf.resolve("log4j2.properties");
        LoggerContext context = new LoggerContext("overlay-test");
        try {
            Configuration config = new PropertiesConfigurationFactory()
                    .getConfiguration(context, ConfigurationSource.fromUri(file.toUri()));
            config.initialize();

            assertThat(config.getLoggerConfig("dev.rotcal.jobs.Anything").getLevel()).isEqualTo(Level.INFO);
            assertThat(config.getLoggerConfig("org.apache.spark.scheduler.DAGScheduler").getLevel())
                    .isEqualTo(Level.WARN);
            assertThat(config.getRootLogger().getLevel()).isEqualTo(Level.WARN);
            ConsoleAppender console = config.getAppender("console");
            assertThat(((PatternLayout) console.getLayout()).getConversionPattern())
                    .as("the run id from the MDC").contains("%X{" + RotcalSettings.MDC_RUN_ID + "}");
        } finally {
            context.stop();
        }
    }
}
