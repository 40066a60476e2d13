"""Unit test of the rotcal_calibrate DAG without Airflow: the airflow modules are stubbed, the DAG file is imported,
its task graph is checked, and the spark-submit command it builds is compared with the README's fenced block.

    python3 -m unittest conf/airflow/test_rotcal_calibrate.py      (from the repository root)
    python3 conf/airflow/test_rotcal_calibrate.py                  (from any directory)
"""
from __future__ import annotations

import importlib.util
import py_compile
import re
import shlex
import sys
import tempfile
import types
import unittest
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DAG_FILE = HERE / "rotcal_calibrate.py"
README = REPO / "README.md"
JOBS_BIN = REPO / "jobs" / "bin" / "rotcal"
REFERENCE_CONF = REPO / "jobs" / "src" / "main" / "resources" / "reference.conf"


class StubDAG:
    """airflow.DAG as far as the DAG file uses it: keyword arguments, a context manager collecting operators."""

    current = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.tasks = {}

    def __enter__(self):
        StubDAG.current = self
        return self

    def __exit__(self, *exc):
        StubDAG.current = None
        return False


class StubAirflowFailException(Exception):
    """airflow.exceptions.AirflowFailException: a failure Airflow does not retry."""


class StubSparkSubmitOperator:
    """SparkSubmitOperator: records its keyword arguments and the >> dependencies."""

    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream = set()
        self.upstream = set()
        assert StubDAG.current is not None, f"operator {task_id} created outside a DAG context"
        assert task_id not in StubDAG.current.tasks, f"duplicate task id {task_id}"
        StubDAG.current.tasks[task_id] = self

    def execute(self, context):
        """SparkSubmitHook's failure for the exit code the test sets on the operator."""
        if self.exit_code:
            raise RuntimeError(f"Cannot execute: spark-submit … Error code is: {self.exit_code}.")
        return None

    exit_code = 0

    def __rshift__(self, other):
        self.downstream.add(other.task_id)
        other.upstream.add(self.task_id)
        return other


def load_dag_module():
    """Imports rotcal_calibrate.py with airflow and the Spark provider stubbed in sys.modules."""
    names = ["airflow", "airflow.models", "airflow.exceptions", "airflow.providers", "airflow.providers.apache",
             "airflow.providers.apache.spark", "airflow.providers.apache.spark.operators",
             "airflow.providers.apache.spark.operators.spark_submit"]
    saved = {name: sys.modules.get(name) for name in names}
    for name in names:
        sys.modules[name] = types.ModuleType(name)
    sys.modules["airflow"].DAG = StubDAG
    sys.modules["airflow.exceptions"].AirflowFailException = StubAirflowFailException
    sys.modules["airflow.providers.apache.spark.operators.spark_submit"].SparkSubmitOperator = StubSparkSubmitOperator
    try:
        spec = importlib.util.spec_from_file_location("rotcal_calibrate_under_test", DAG_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def readme_spark_submit():
    """The README's spark-submit block of "Scheduling with Airflow", as argv ($opens substituted as bash would)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Scheduling with Airflow", 1)
    assert len(section) == 2, "README.md has no '## Scheduling with Airflow' section"
    block = re.search(r"```bash\n(.*?)```", section[1], re.S)
    assert block, "the 'Scheduling with Airflow' section has no ```bash block"
    script = block.group(1).replace("\\\n", "")  # bash line continuations, inside and outside quotes
    variables = {}
    command = None
    for line in script.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assignment = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if assignment:
            variables[assignment.group(1)] = shlex.split(assignment.group(2))[0]
            continue
        assert command is None, f"the block should hold one command besides assignments, found a second: {line}"
        command = line
    assert command is not None, "the block has no spark-submit command"
    for name, value in variables.items():
        command = command.replace("$" + name, value)
    return shlex.split(command)


def render(value, context):
    """The few Jinja templates the DAG uses, rendered the way Airflow would with `context` (ds and variables)."""
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v, context) for v in value]
    if not isinstance(value, str):
        return value

    def one(match):
        expression = match.group(1).strip()
        if expression == "ds":
            return context["ds"]
        get = re.fullmatch(r"var\.value\.get\('([^']+)', '([^']*)'\)", expression)
        if get:
            return context["var"].get(get.group(1), get.group(2))
        attribute = re.fullmatch(r"var\.value\.([A-Za-z_][A-Za-z0-9_]*)", expression)
        if attribute:
            return context["var"][attribute.group(1)]
        raise AssertionError(f"unexpected template expression {{{{ {expression} }}}}")

    return re.sub(r"\{\{(.*?)\}\}", one, value)


class RotcalCalibrateDagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = load_dag_module()
        cls.dag = cls.module.dag

    def test_the_file_compiles(self):
        with tempfile.TemporaryDirectory() as tmp:
            py_compile.compile(str(DAG_FILE), cfile=str(Path(tmp) / "rotcal_calibrate.pyc"), doraise=True)

    def test_schedule_is_daily_without_catchup(self):
        kwargs = self.dag.kwargs
        self.assertEqual(kwargs["dag_id"], "rotcal_calibrate")
        self.assertEqual(kwargs["schedule"], "@daily")
        self.assertIs(kwargs["catchup"], False, "catchup must be off: one calibration per day, not a backfill")
        self.assertEqual(kwargs["max_active_runs"], 1, "two calibrations at once would compete for the cluster")
        self.assertIsInstance(kwargs["start_date"], datetime)

    def test_calibrate_then_inspect(self):
        tasks = self.dag.tasks
        self.assertEqual(set(tasks), {"calibrate", "inspect"})
        self.assertEqual(tasks["calibrate"].downstream, {"inspect"})
        self.assertEqual(tasks["inspect"].upstream, {"calibrate"})
        self.assertEqual(tasks["inspect"].downstream, set())
        for task in tasks.values():
            self.assertEqual(task.kwargs["conn_id"], "spark_rotcal", f"{task.task_id} should use the documented connection")
            self.assertIsInstance(task.kwargs["execution_timeout"], timedelta)

    def test_calibrate_task_submits_the_readme_command(self):
        readme = readme_spark_submit()
        self.assertEqual(readme[:3], ["spark-submit", "--master", readme[2]])
        overlay = readme[readme.index("--set") + 1].split("=", 1)[1]
        context = {"ds": "2026-11-22", "var": {"rotcal_home": "/opt/rotcal", "rotcal_calibrate_overlay": overlay}}
        kwargs = render(self.dag.tasks["calibrate"].kwargs, context)
        built = self.module.spark_submit_command(readme[2], kwargs)
        self.assertEqual(built, readme, "the calibrate task's spark-submit should be the README's, argument by argument")
        self.assertIn("rotcal.run-id=2026-11-22", built, "the run id is the logical date")

    def test_defaults_when_the_variables_are_unset(self):
        context = {"ds": "2026-11-22", "var": {}}
        kwargs = render(self.dag.tasks["calibrate"].kwargs, context)
        self.assertEqual(kwargs["application"], "/opt/rotcal/jobs/target/rotcal-jobs-0.1.0-SNAPSHOT-shaded.jar")
        self.assertIn("rotcal={}", kwargs["application_args"], "an unset overlay Variable is an empty HOCON object")

    def test_inspect_task_checks_the_published_run(self):
        context = {"ds": "2026-11-22", "var": {"rotcal_home": "/opt/rotcal",
                                                "rotcal_run_prefix": "s3a://artifacts/rotcal/Meta-Llama-3-8B"}}
        inspect = render(self.dag.tasks["inspect"].kwargs, context)
        calibrate = render(self.dag.tasks["calibrate"].kwargs, context)
        self.assertEqual(inspect["application_args"], ["inspect", "s3a://artifacts/rotcal/Meta-Llama-3-8B/2026-11-22"])
        for key in ("application", "java_class", "conf"):
            self.assertEqual(inspect[key], calibrate[key], f"inspect should submit with the same {key}")

    def test_a_retry_resumes_and_bad_input_or_resources_are_not_retried(self):
        args = self.dag.tasks["calibrate"].kwargs["application_args"]
        self.assertEqual(args[:2], ["calibrate", "--resume"], "a retry continues from the run's refine checkpoint")
        self.assertEqual(self.module.exit_code_of("Cannot execute: spark-submit x. Error code is: 2."), 2)
        self.assertIsNone(self.module.exit_code_of("something else"))
        calibrate = self.dag.tasks["calibrate"]
        for code, retried in ((2, False), (3, False), (4, True), (1, True)):
            calibrate.exit_code = code
            with self.assertRaises(Exception) as raised:
                calibrate.execute({})
            failed_for_good = type(raised.exception).__name__ == "StubAirflowFailException"
            self.assertEqual(not failed_for_good, retried, f"exit {code}: retried should be {retried}")
        calibrate.exit_code = 0
        self.assertIsNone(calibrate.execute({}))

    def test_run_id_key_exists_in_reference_conf(self):
        # rotcal.run-id is a top-level key of the rotcal block (not rotcal.output.run-id)
        conf = REFERENCE_CONF.read_text(encoding="utf-8")
        self.assertRegex(conf, r"(?m)^  run-id = ")
        args = self.dag.tasks["calibrate"].kwargs["application_args"]
        self.assertEqual(args[-2:], ["--set", "rotcal.run-id={{ ds }}"], "the run id must be the last --set")

    def test_java17_options_are_the_launchers(self):
        launcher = JOBS_BIN.read_text(encoding="utf-8")
        block = re.search(r"opens=\((.*?)\)", launcher, re.S)
        self.assertIsNotNone(block, "jobs/bin/rotcal should define opens=(…)")
        self.assertEqual(list(self.module.JAVA17_OPTIONS), shlex.split(block.group(1)),
                         "the DAG's Java 17 options should be jobs/bin/rotcal's list, in order")


if __name__ == "__main__":
    unittest.main()
