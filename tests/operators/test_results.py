"""What reaches XCom and the task's exception: the monitor's alert policy and the job's own error."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from yotml_airflow.errors import JobError
from yotml_airflow.operators import MonitorAlertError, MonitorOperator, YotmlSparkJobOperator
from yotml_airflow.operators._submit import PythonErrorTracker

ALERTS = {
    "alerts": [{"column": "spend", "metric": "psi", "value": 0.71, "threshold": 0.2}],
    "checked": ["spend", "visits"],
    "drifted": True,
}


def _monitor(on_alert: str) -> MonitorOperator:
    return MonitorOperator(task_id="mon", input="/cur", reference="/ref", on_alert=on_alert)


def test_fail_policy_fails_the_task_without_retry_naming_the_alert() -> None:
    with pytest.raises(MonitorAlertError, match=r"1 alert\(s\): spend psi=0.71") as info:
        _monitor("fail")._summarize(ALERTS)
    assert isinstance(info.value, AirflowFailException)


@pytest.mark.parametrize("policy", ["notify", "ignore"])
def test_notify_and_ignore_policies_succeed_with_the_alert_summary(policy: str) -> None:
    summary = _monitor(policy)._summarize(ALERTS)
    assert summary["n_alerts"] == 1
    assert summary["alerts"][0]["column"] == "spend"
    assert summary["on_alert"] == policy


def test_no_alerts_passes_even_with_fail_policy() -> None:
    assert _monitor("fail")._summarize({"alerts": [], "drifted": False})["n_alerts"] == 0


def test_tracker_keeps_the_python_traceback_through_jvm_shutdown_chatter() -> None:
    tracker = PythonErrorTracker()
    lines = [
        "26/11/26 INFO SparkContext: Running Spark version 4.2.0",
        "Traceback (most recent call last):",
        '  File "/x/entrypoint.py", line 14, in <module>',
        "    sys.exit(main())",
        "pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does not exist: file:/nope.",
        *[f"26/11/26 INFO ShutdownHookManager: Deleting directory /tmp/spark-{i}" for i in range(40)],
    ]
    for line in lines:
        tracker.feed(line)
    assert tracker.message.startswith("pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND]")
    assert tracker.traceback[0] == "Traceback (most recent call last):"


def test_tracker_prefers_the_jobs_one_line_error() -> None:
    tracker = PythonErrorTracker()
    for line in ["INFO start", "yotml transform: error: input /data/nope does not exist", "INFO stop"]:
        tracker.feed(line)
    assert tracker.message == "yotml transform: error: input /data/nope does not exist"


class ScriptOperator(YotmlSparkJobOperator):
    """Runs a given Python file through spark-submit (to exercise the error path without a Spark job)."""

    job = "script"

    def __init__(self, *, script: str, **kwargs):
        super().__init__(**kwargs)
        self.script = script

    def application(self) -> str:
        return self.script

    def _job_args(self) -> list[str]:
        return []


@pytest.mark.slow
def test_failing_application_raises_job_error_with_its_traceback(tmp_path: Path, spark_local_conn: str) -> None:
    script = tmp_path / "fails.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            def load(path):
                raise FileNotFoundError(f"no model folder at {path}")
            load("/models/missing")
            """
        )
    )
    op = ScriptOperator(task_id="s", script=str(script), env_vars={"PYSPARK_PYTHON": sys.executable})
    with pytest.raises(JobError) as info:
        op.execute({})
    message = str(info.value)
    assert "FileNotFoundError: no model folder at /models/missing" in message.splitlines()[0]
    assert "line 4, in load" in message


@pytest.mark.slow
def test_result_json_becomes_the_return_value(tmp_path: Path, spark_local_conn: str) -> None:
    script = tmp_path / "ok.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys
            path = sys.argv[sys.argv.index("--result-path") + 1]
            json.dump({"rows": 3, "output": "/o"}, open(path, "w"))
            """
        )
    )
    assert ScriptOperator(task_id="s", script=str(script)).execute({}) == {"rows": 3, "output": "/o"}
