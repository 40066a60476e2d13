"""Airflow DAG: a daily rotcal calibration on a Spark cluster, then a check of the published artifact.

    calibrate  SparkSubmitOperator: spark-submit … rotcal-jobs-*-shaded.jar calibrate --resume --config … --set …
        │      (the run id is the logical date, e.g. 2026-11-22; the overlay comes from an Airflow Variable; a retry
        │      resumes from the run's checkpoint; exit 2 / 3 fail the task without a retry, 4 and 1 are retried)
        ▼
    inspect    SparkSubmitOperator: spark-submit … rotcal-jobs-*-shaded.jar inspect <prefix>/<run id>
               (exit 0 only when the manifest is there and every file's size and sha256 match)

Airflow setup (README "Scheduling with Airflow"):
  connection  spark_rotcal          type Spark, host spark://<master host>, port 7077 (or yarn / k8s://…),
                                    extra {"deploy-mode": "client"}: the driver runs on the Airflow worker
  variable    rotcal_home           where rotcal is installed on the Airflow workers (default /opt/rotcal):
                                    jobs/target/rotcal-jobs-<version>-shaded.jar and conf/ from a release build
  variable    rotcal_calibrate_overlay   a HOCON object laid over the rotcal block, e.g.
                                    { model.uri = "s3a://models/Meta-Llama-3-8B", output.uri = "s3a://artifacts/rotcal" }
                                    (default {}: conf/cluster-s3.conf's environment variables decide); no secrets:
                                    credentials come from the S3A credentials provider, never from the overlay
  variable    rotcal_run_prefix     <output.uri>/<model.name> of the runs this DAG publishes, for the inspect task,
                                    e.g. s3a://artifacts/rotcal/Meta-Llama-3-8B

The arguments are built by plain functions (no Airflow import) so that the unit test can compare them with the
README's spark-submit command without Airflow installed.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

DAG_ID = "rotcal_calibrate"
CONN_ID = "spark_rotcal"
HOME_VARIABLE = "rotcal_home"
OVERLAY_VARIABLE = "rotcal_calibrate_overlay"
RUN_PREFIX_VARIABLE = "rotcal_run_prefix"
DEFAULT_HOME = "/opt/rotcal"
JAR = "jobs/target/rotcal-jobs-0.1.0-SNAPSHOT-shaded.jar"
MAIN_CLASS = "dev.rotcal.jobs.RotcalCli"
# The environment overlays of a LLaMA-3-8B calibration from S3 (conf/), before the Variable's overlay.
CONFIGS = ("conf/cluster-s3.conf", "conf/llama3-8b.conf")
# Airflow templates, rendered when a task runs (no Variable is read when the scheduler parses this file).
HOME_TEMPLATE = "{{ var.value.get('" + HOME_VARIABLE + "', '" + DEFAULT_HOME + "') }}"
RUN_ID_TEMPLATE = "{{ ds }}"
OVERLAY_TEMPLATE = "{{ var.value.get('" + OVERLAY_VARIABLE + "', '{}') }}"
RUN_PREFIX_TEMPLATE = "{{ var.value." + RUN_PREFIX_VARIABLE + " }}"

# Spark's Java 17 options (the list jobs/bin/rotcal passes): a driver or executor JVM of Spark 3.5 on Java 17
# needs these --add-opens; -XX:+IgnoreUnrecognizedVMOptions keeps them harmless on other JVMs.
JAVA17_OPTIONS = (
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
)


def spark_conf(home: str) -> dict[str, str]:
    """The --conf settings of every rotcal submission: executor overhead for native BLAS buffers, Java 17 options."""
    opens = " ".join(JAVA17_OPTIONS)
    return {
        "spark.executor.memoryOverhead": "4g",
        "spark.driver.extraJavaOptions": f"{opens} -Dlog4j2.configurationFile={home}/conf/log4j2.properties",
        "spark.executor.extraJavaOptions": opens,
    }


# rotcal's exit codes (README "Exit codes") that retrying unchanged cannot fix: the task fails without a retry.
NO_RETRY_EXIT_CODES = {2: "bad input or configuration", 3: "not enough resources"}


def exit_code_of(message: str):
    """The spark-submit exit code in SparkSubmitHook's failure ("… Error code is: 4."), or None."""
    match = re.search(r"Error code is: (\d+)", message)
    return int(match.group(1)) if match else None


def retryable(code) -> bool:
    """Whether Airflow should retry a calibrate task that exited with `code` (transient 4, internal 1, unknown)."""
    return code not in NO_RETRY_EXIT_CODES


def calibrate_arguments(home: str, run_id: str, overlay: str) -> list[str]:
    """rotcal's arguments for one calibration: --resume (a retry continues from the run's refine checkpoint; a first
    try has none and starts fresh), the conf/ overlays, then the Variable's overlay, then the run id."""
    args = ["calibrate", "--resume"]
    for config in CONFIGS:
        args += ["--config", f"{home}/{config}"]
    return args + ["--set", f"rotcal={overlay}", "--set", f"rotcal.run-id={run_id}"]


def inspect_arguments(run_uri: str) -> list[str]:
    """rotcal's arguments to verify a published run (manifest and every sha256)."""
    return ["inspect", run_uri]


def submit_kwargs(home: str, arguments: list[str], name: str) -> dict:
    """SparkSubmitOperator keyword arguments for one rotcal command (the master comes from the connection)."""
    return {
        "conn_id": CONN_ID,
        "application": f"{home}/{JAR}",
        "java_class": MAIN_CLASS,
        "conf": spark_conf(home),
        "application_args": arguments,
        "name": name,
    }


def spark_submit_command(master: str, kwargs: dict) -> list[str]:
    """The spark-submit command line those keyword arguments stand for, as the README writes it."""
    command = ["spark-submit", "--master", master, "--class", kwargs["java_class"]]
    for key, value in kwargs["conf"].items():
        command += ["--conf", f"{key}={value}"]
    return command + [kwargs["application"]] + list(kwargs["application_args"])


def build_dag():
    """The DAG (imports Airflow and the Spark provider: apache-airflow-providers-apache-spark)."""
    from airflow import DAG
    from airflow.exceptions import AirflowFailException
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    class RotcalSubmitOperator(SparkSubmitOperator):
        """SparkSubmitOperator that fails without a retry when rotcal says retrying cannot help (exit 2 or 3)."""

        def execute(self, context):
            try:
                return super().execute(context)
            except Exception as error:  # AirflowException from SparkSubmitHook, with the exit code in its text
                code = exit_code_of(str(error))
                if not retryable(code):
                    raise AirflowFailException(f"rotcal exited with {code} ({NO_RETRY_EXIT_CODES[code]}): not "
                                               "retried; fix the input or the resources, then clear the task") from error
                raise

    home = HOME_TEMPLATE  # application, conf and application_args are templated fields of SparkSubmitOperator
    with DAG(
        dag_id=DAG_ID,
        description="DFRot calibration of R1 on Spark, published to S3, then verified",
        schedule="@daily",
        start_date=datetime(2026, 11, 1),
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
        tags=["rotcal"],
    ) as dag:
        calibrate = RotcalSubmitOperator(
            task_id="calibrate",
            execution_timeout=timedelta(hours=6),
            **submit_kwargs(home, calibrate_arguments(home, RUN_ID_TEMPLATE, OVERLAY_TEMPLATE),
                            "rotcal calibrate " + RUN_ID_TEMPLATE),
        )
        inspect = SparkSubmitOperator(
            task_id="inspect",
            execution_timeout=timedelta(minutes=30),
            **submit_kwargs(home, inspect_arguments(RUN_PREFIX_TEMPLATE + "/" + RUN_ID_TEMPLATE),
                            "rotcal inspect " + RUN_ID_TEMPLATE),
        )
        calibrate >> inspect
    return dag


dag = build_dag()
