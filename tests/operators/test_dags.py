"""Real DAG runs (``dag.test()``) of the operators against Spark ``local[2]`` and an MLflow SQLite store."""

from __future__ import annotations

import json
import shutil
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.operators.data import customers, write_partition

pytestmark = pytest.mark.slow

DAY = "2024-03-05"
USER_MODELS = Path(__file__).with_name("user_models.py")


@pytest.fixture()
def webhook() -> Iterator[tuple[str, list[Any]]]:
    """A loopback HTTP endpoint that records the JSON bodies posted to it."""
    received: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(json.loads(body or b"null"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", received
    server.shutdown()


@pytest.fixture()
def workspace(tmp_path: Path) -> dict[str, str]:
    """Data partitions, user model code (for ``py_files``) and an MLflow store in a temporary folder."""
    write_partition(tmp_path, "customers", "2024-03-04", customers(400, seed=1))
    write_partition(tmp_path, "customers", DAY, customers(400, seed=2, spend_shift=25.0))
    write_partition(tmp_path, "holdout", DAY, customers(200, seed=3))
    code = tmp_path / "code"
    code.mkdir()
    shutil.copy(USER_MODELS, code / "churn_user_models.py")
    return {
        "root": str(tmp_path),
        "py_files": str(code / "churn_user_models.py"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_REGISTRY_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "YOTML_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }


def _mlflow_env(ws: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in ws.items() if k.isupper()}


FIT_SCORE_MONITOR = textwrap.dedent(
    """
    import datetime as dt
    from airflow.sdk import DAG
    from yotml_airflow.operators import BatchTransformOperator, FitModelOperator, MonitorOperator

    ROOT = {root!r}
    with DAG("yotml_fit_score_monitor", schedule="@daily", start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
             catchup=False) as dag:
        fit = FitModelOperator(
            task_id="fit",
            input=ROOT + "/customers/ds={{{{ macros.ds_add(ds, -1) }}}}",
            model_spec="churn_user_models:SpendChurnModel",
            model_params={{"features": ["spend", "visits"], "target": "churned"}},
            holdout=ROOT + "/holdout/ds={{{{ ds }}}}",
            register_name="churn",
            py_files={py_files!r},
            mlflow_conn_id="mlflow_test",
        )
        score = BatchTransformOperator(
            task_id="score",
            input=ROOT + "/customers/ds={{{{ ds }}}}",
            output_path=ROOT + "/scores/ds={{{{ ds }}}}",
            model_uri="{{{{ ti.xcom_pull(task_ids='fit')['model_uri'] }}}}",
            keep_columns=["customer_id", "store_id"],
            py_files={py_files!r},
            mlflow_conn_id="mlflow_test",
        )
        monitor = MonitorOperator(
            task_id="monitor",
            input=ROOT + "/customers/ds={{{{ ds }}}}",
            reference=ROOT + "/customers/ds={{{{ macros.ds_add(ds, -1) }}}}",
            columns=["spend", "visits"],
            on_alert="notify",
            webhook_url={webhook!r},
        )
        fit >> score >> monitor
    """
)


def test_fit_then_score_then_monitor(dag_runner, workspace: dict[str, str], webhook) -> None:
    url, received = webhook
    source = FIT_SCORE_MONITOR.format(root=workspace["root"], py_files=workspace["py_files"], webhook=url)
    connection = json.dumps({"conn_type": "mlflow", "host": workspace["MLFLOW_TRACKING_URI"]})
    run = dag_runner(
        source,
        "yotml_fit_score_monitor",
        DAY,
        MLFLOW_TRACKING_URI=None,
        MLFLOW_REGISTRY_URI=None,
        YOTML_ARTIFACT_ROOT=workspace["YOTML_ARTIFACT_ROOT"],
        AIRFLOW_CONN_MLFLOW_TEST=connection,
    )
    assert run["tasks"] == {"fit": "success", "score": "success", "monitor": "success"}, run["log"][-8000:]

    fit = run["xcom"]["fit"]
    assert fit["name"] == "churn" and fit["version"] == 1
    assert fit["model_uri"] == "models:/churn/1"
    assert 0.5 < fit["metrics"]["accuracy"] <= 1.0
    assert 0.5 < fit["metrics"]["roc_auc"] <= 1.0

    score = run["xcom"]["score"]
    output = Path(workspace["root"]) / "scores" / f"ds={DAY}"
    assert score["output"] == str(output)
    assert score["rows"] == 400
    scored = pd.read_parquet(output)
    assert len(scored) == 400
    assert {"customer_id", "store_id", "prediction", "proba_1"} <= set(scored.columns)
    assert scored["proba_1"].between(0, 1).all()

    monitor = run["xcom"]["monitor"]
    assert monitor["on_alert"] == "notify"
    assert monitor["n_alerts"] >= 1
    assert "spend" in {a["feature"] for a in monitor["alerts"]}
    assert "visits" not in {a["feature"] for a in monitor["alerts"] if a.get("metric") != "missing_rate"}
    assert len(received) == 1 and received[0]["alerts"], received
    assert (Path(workspace["root"]) / "mlflow.db").is_file(), "the MLflow connection pointed the jobs at the store"


SEGMENTED = textwrap.dedent(
    """
    import datetime as dt
    from airflow.sdk import DAG
    from yotml_airflow.operators import SegmentedFitOperator

    ROOT = {root!r}
    with DAG("yotml_segmented", schedule="@daily", start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
             catchup=False) as dag:
        SegmentedFitOperator(
            task_id="fit_per_store",
            input=ROOT + "/customers/ds={{{{ ds }}}}",
            model_spec="churn_user_models:SpendChurnModel",
            model_params={{"features": ["spend", "visits"], "target": "churned"}},
            segment_col="store_id",
            min_rows=30,
            buckets=2,
            register_name="churn_per_store",
            py_files={py_files!r},
        )
    """
)


def test_segmented_fit_registers_one_version_per_run(dag_runner, workspace: dict[str, str]) -> None:
    source = SEGMENTED.format(root=workspace["root"], py_files=workspace["py_files"])
    run = dag_runner(source, "yotml_segmented", DAY, **_mlflow_env(workspace))
    assert run["tasks"] == {"fit_per_store": "success"}, run["log"][-8000:]
    result = run["xcom"]["fit_per_store"]
    assert result["name"] == "churn_per_store" and result["version"] == 1
    assert result["model_uri"] == "models:/churn_per_store/1"
    assert result["segments_total"] == 4
    assert result["segments_fitted"] == 4 and result["segments_failed"] == 0


BAD_INPUT = textwrap.dedent(
    """
    import datetime as dt
    from airflow.sdk import DAG
    from yotml_airflow.operators import BatchTransformOperator

    with DAG("yotml_bad_input", schedule=None, start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) as dag:
        BatchTransformOperator(
            task_id="score",
            input={root!r} + "/no_such_table/ds={{{{ ds }}}}",
            output_path={root!r} + "/scores/ds={{{{ ds }}}}",
            model_uri="models:/churn@champion",
        )
    """
)


def test_bad_input_fails_the_task_with_the_jobs_error(dag_runner, workspace: dict[str, str]) -> None:
    run = dag_runner(BAD_INPUT.format(root=workspace["root"]), "yotml_bad_input", DAY, **_mlflow_env(workspace))
    assert run["tasks"] == {"score": "failed"}
    missing = f"{workspace['root']}/no_such_table/ds={DAY}"
    log = run["log"]
    assert f"yotml transform: error: input {missing} does not exist" in log
    failure = log[log.index("Task failed with exception") :]
    assert "JobError: yotml job 'transform' (task score) failed: yotml transform: error: input" in failure
    assert not (Path(workspace["root"]) / "scores").exists()
