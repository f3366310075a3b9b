"""Fixtures of the operator tests: a temporary Airflow home (migrated once), Spark and MLflow env, DAG runs.

Airflow reads ``AIRFLOW_HOME`` when it is first imported, so this module points it at a temporary
folder before any test imports Airflow. DAGs run in a subprocess (``dag.test()``) with an explicit
environment, which keeps each run's Airflow configuration apart from the test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="yotml-airflow-home-"))
os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

RUNNER = Path(__file__).with_name("dag_runner.py")
RESULT_MARK = "YOTML-DAG-RESULT "


@pytest.fixture()
def spark_local_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    """The ``spark_default`` connection as an environment variable: master ``local[2]``."""
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_DEFAULT", json.dumps({"conn_type": "spark", "host": "local[2]"}))
    return "local[2]"


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of an Airflow home with a migrated SQLite DB and a Spark local[2] connection."""
    home = tmp_path_factory.mktemp("airflow_home")
    (home / "dags").mkdir()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    done = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


def run_dag(
    env: dict[str, str], dag_source: str, dag_id: str, logical_date: str, **extra_env: str | None
) -> dict[str, Any]:
    """Write ``dag_source`` into the DAGs folder, run it with ``dag.test()`` in a subprocess.

    ``extra_env`` adds environment variables (``None`` removes one).

    Returns ``{"state", "tasks": {task_id: state}, "xcom": {task_id: value}, "log": full output}``.
    """
    dags = Path(env["AIRFLOW__CORE__DAGS_FOLDER"])
    dag_file = dags / f"{dag_id}.py"
    dag_file.write_text(dag_source)
    run_env = {k: v for k, v in {**env, **extra_env}.items() if v is not None}
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(dag_file), dag_id, logical_date],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = done.stdout + done.stderr
    (dags.parent / f"{dag_id}.log").write_text(log)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    assert lines, f"the DAG runner printed no result (exit {done.returncode}):\n{log[-6000:]}"
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARK) :])
    result["log"] = log
    return result


@pytest.fixture()
def dag_runner(airflow_env: dict[str, str]) -> Iterator[Any]:
    """``run(dag_source, dag_id, logical_date, **extra_env)`` bound to the session's Airflow home."""

    def run(dag_source: str, dag_id: str, logical_date: str, **extra_env: str | None) -> dict[str, Any]:
        return run_dag(airflow_env, dag_source, dag_id, logical_date, **extra_env)

    yield run
