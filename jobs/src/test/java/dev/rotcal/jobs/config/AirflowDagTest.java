package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.Settings.confDir;
import static dev.rotcal.jobs.config.Settings.loader;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.jobs.testing.PythonEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/airflow/rotcal_calibrate.py from the Maven build: its Python unit test (Airflow stubbed: task graph, schedule,
 * and the calibrate task's spark-submit equal to the README's block) and py_compile, run with python3 (stdlib only);
 * then the arguments that DAG passes, loaded by rotcal's own settings loader.
 */
class AirflowDagTest {
    private final Path airflow = confDir().resolve("airflow");

    @TempDir
    Path tmp;

    @Test
    void dagUnitTestPasses() throws Exception {
        PythonEnvironment python = PythonEnvironment.require("run the Airflow DAG's unit test", List.of("unittest"));
        Path log = tmp.resolve("unittest.log");
        int exit = python.run(List.of(airflow.resolve("test_rotcal_calibrate.py").toString(), "-v"), tmp,
                Map.of("PYTHONDONTWRITEBYTECODE", "1"), log, 120);
        assertThat(exit).as("python3 conf/airflow/test_rotcal_calibrate.py should pass:\n%s",
                Files.readString(log, StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void dagFileCompiles() throws Exception {
        PythonEnvironment python = PythonEnvironment.require("compile the Airflow DAG", List.of("py_compile"));
        Path log = tmp.resolve("py_compile.log");
        int exit = python.run(List.of("-m", "py_compile", airflow.resolve("rotcal_calibrate.py").toString()), tmp,
                Map.of("PYTHONPYCACHEPREFIX", tmp.resolve("pycache").toString()), log, 120);
        assertThat(exit).as("python3 -m py_compile conf/airflow/rotcal_calibrate.py:\n%s",
                Files.readString(log, StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void theDagsOverlayAndRunIdLoadOverTheClusterOverlays() {
        // What the calibrate task passes after conf/cluster-s3.conf and conf/llama3-8b.conf (README, "Scheduling
        // with Airflow"): the Variable's HOCON object over the whole rotcal block, then the logical date as run id.
        RotcalSettings s = loader(Map.of("ROTCAL_BUCKET", "team-bucket")).load(
                List.of(confDir().resolve("cluster-s3.conf"), confDir().resolve("llama3-8b.conf")),
                List.of("rotcal={ output.uri = \"s3a://artifacts/rotcal\", refine { iterations = 50 } }",
                        "rotcal.run-id=2026-11-22"));

        assertThat(s.runId()).as("the run id is the logical date").isEqualTo("2026-11-22");
        assertThat(s.output().uri()).as("the overlay's keys win").isEqualTo("s3a://artifacts/rotcal");
        assertThat(s.refine().iterations()).as("a nested overlay key wins").isEqualTo(50);
        assertThat(s.refine().alpha()).as("keys the overlay does not name keep llama3-8b.conf's value").isEqualTo(100.0);
        assertThat(s.model().uri()).as("and cluster-s3.conf's").isEqualTo("s3a://team-bucket/models/Meta-Llama-3-8B");
        assertThat(s.layout().runUri()).as("where the inspect task looks (rotcal_run_prefix + run id)")
                .isEqualTo("s3a://artifacts/rotcal/Meta-Llama-3-8B/2026-11-22");
    }
}
