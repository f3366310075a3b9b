"""The spark-submit command lines the operators build (exact argv), and their validation."""

from __future__ import annotations

import json
import os
import sys

import pytest

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators import (
    BatchTransformOperator,
    FitModelOperator,
    MonitorOperator,
    PublishPredictionsOperator,
    SegmentedFitOperator,
    StreamingPredictOperator,
)
from yotml_airflow.operators._env import job_entry_file

pytestmark = pytest.mark.usefixtures("spark_local_conn")

ENTRY = job_entry_file()
BASE = ["spark-submit", "--master", "local[2]", "--conf", "spark.ui.showConsoleProgress=false"]


def test_entry_file_is_the_installed_jobs_main() -> None:
    import yotml_airflow

    assert ENTRY == os.path.join(os.path.dirname(yotml_airflow.__file__), "jobs", "entrypoint.py")
    assert os.path.isfile(ENTRY)


def test_fit_command_with_class_spec_params_and_py_files() -> None:
    op = FitModelOperator(
        task_id="fit",
        input="/data/in/ds=2024-03-05",
        model_spec="churn.models:ChurnModel",
        model_params={"max_depth": 4, "target": "churned"},
        register_name="churn",
        py_files="/code/churn.zip",
        conf={"spark.sql.shuffle.partitions": "4"},
        executor_memory="2g",
        num_executors=3,
        holdout="/data/holdout",
        metrics=["roc_auc", "accuracy"],
        target="churned",
        register=False,
    )
    assert op.spark_submit_command("/tmp/r.json") == [
        *BASE,
        "--conf",
        "spark.sql.shuffle.partitions=4",
        "--py-files",
        "/code/churn.zip",
        "--num-executors",
        "3",
        "--executor-memory",
        "2g",
        "--name",
        "yotml-fit-fit",
        ENTRY,
        "fit",
        "--input",
        "/data/in/ds=2024-03-05",
        "--model-spec",
        "churn.models:ChurnModel",
        "--params",
        '{"max_depth": 4, "target": "churned"}',
        "--register-name",
        "churn",
        "--holdout",
        "/data/holdout",
        "--metrics",
        "roc_auc,accuracy",
        "--target",
        "churned",
        "--no-register",
        "--result-path",
        "/tmp/r.json",
    ]


def test_transform_command_passes_spark_options_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_SPARK_CLUSTER",
        json.dumps(
            {"conn_type": "spark", "host": "spark://127.0.0.1", "port": 7077, "extra": {"deploy-mode": "client"}}
        ),
    )
    op = BatchTransformOperator(
        task_id="score",
        conn_id="spark_cluster",
        input="/in",
        output_path="/out",
        model_uri="models:/churn@champion",
        method="transform",
        keep_columns=["customer_id", "store_id"],
        packages="org.example:pkg:1.0",
        jars="/j/a.jar",
        total_executor_cores=2,
        executor_cores=1,
        driver_memory="1g",
        name="score-job",
        extra_args=["--batch-size", "500"],
    )
    assert op.spark_submit_command() == [
        "spark-submit",
        "--master",
        "spark://127.0.0.1:7077",
        "--conf",
        "spark.ui.showConsoleProgress=false",
        "--jars",
        "/j/a.jar",
        "--packages",
        "org.example:pkg:1.0",
        "--total-executor-cores",
        "2",
        "--executor-cores",
        "1",
        "--driver-memory",
        "1g",
        "--name",
        "score-job",
        "--deploy-mode",
        "client",
        ENTRY,
        "transform",
        "--input",
        "/in",
        "--output",
        "/out",
        "--model",
        "models:/churn@champion",
        "--method",
        "transform",
        "--keep-columns",
        "customer_id,store_id",
        "--batch-size",
        "500",
    ]


def test_segmented_monitor_and_stream_job_arguments() -> None:
    seg = SegmentedFitOperator(
        task_id="seg",
        input="/in",
        model_spec="/models/unfitted",
        segment_col="store_id",
        register_name="per_store",
        min_rows=20,
        fallback="global",
        max_failure_ratio=0.5,
    )
    assert seg.application_args("/r.json") == [
        "segmented_fit",
        "--input",
        "/in",
        "--model-path",
        "/models/unfitted",
        "--segment-col",
        "store_id",
        "--register-name",
        "per_store",
        "--min-rows",
        "20",
        "--fallback",
        "global",
        "--max-failure-ratio",
        "0.5",
        "--result-path",
        "/r.json",
    ]
    mon = MonitorOperator(
        task_id="mon",
        input="/cur",
        reference="/ref",
        model_uri="models:/churn/3",
        monitor_params='{"threshold": 0.2}',
        columns=["a", "b"],
        on_alert="notify",
        webhook_url="http://127.0.0.1:9/hook",
    )
    assert mon.application_args() == [
        "monitor",
        "--input",
        "/cur",
        "--reference",
        "/ref",
        "--model",
        "models:/churn/3",
        "--monitor-params",
        '{"threshold": 0.2}',
        "--columns",
        "a,b",
        "--webhook-url",
        "http://127.0.0.1:9/hook",
    ]
    ignoring = MonitorOperator(task_id="m2", input="/c", reference="/r", on_alert="ignore", webhook_url="http://x/h")
    assert "--webhook-url" not in ignoring.application_args()
    stream = StreamingPredictOperator(
        task_id="st",
        model_uri="models:/m@a",
        bootstrap_servers="127.0.0.1:9092",
        input_topic="in",
        output_topic="out",
        checkpoint="/ck",
        keep_fields=["id"],
        kafka_options={"security.protocol": "PLAINTEXT"},
    )
    assert stream.application_args() == [
        "stream",
        "--model",
        "models:/m@a",
        "--bootstrap-servers",
        "127.0.0.1:9092",
        "--input-topic",
        "in",
        "--output-topic",
        "out",
        "--checkpoint",
        "/ck",
        "--trigger",
        "availableNow",
        "--kafka-option",
        "security.protocol=PLAINTEXT",
        "--keep-field",
        "id",
    ]
    publish = PublishPredictionsOperator(
        task_id="pub", model_uri="models:/m@a", input="/in", bootstrap_servers="b:9092", topic="t", key_column="id"
    )
    assert publish.application_args() == [
        "publish",
        "--model",
        "models:/m@a",
        "--input",
        "/in",
        "--bootstrap-servers",
        "b:9092",
        "--topic",
        "t",
        "--key-column",
        "id",
    ]


def test_environment_runs_this_interpreter_and_carries_tracking_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    monkeypatch.delenv("PYSPARK_DRIVER_PYTHON", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    op = BatchTransformOperator(
        task_id="s",
        input="/i",
        output_path="/o",
        model_uri="models:/m@a",
        tracking_uri="sqlite:////t/m.db",
        env_vars={"EXTRA": "1"},
    )
    hook = op.get_hook()
    assert hook._env_vars["PYSPARK_PYTHON"] == sys.executable
    assert hook._env_vars["PYSPARK_DRIVER_PYTHON"] == sys.executable
    assert hook._env_vars["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    assert hook._env_vars["MLFLOW_TRACKING_URI"] == "sqlite:////t/m.db"
    assert hook._env_vars["EXTRA"] == "1"


def test_user_python_and_environment_tracking_uri_are_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    op = FitModelOperator(
        task_id="f", input="/i", model_spec="a.b:C", register_name="m", env_vars={"PYSPARK_PYTHON": "/opt/py"}
    )
    env = op.get_hook()._env_vars
    assert env["PYSPARK_PYTHON"] == "/opt/py"
    assert env["MLFLOW_TRACKING_URI"] == "http://127.0.0.1:5000"


def test_mlflow_connection_gives_tracking_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_MY_MLFLOW", json.dumps({"conn_type": "mlflow", "host": "sqlite:////srv/m.db"}))
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLFLOW_SERVER",
        json.dumps({"conn_type": "mlflow", "host": "mlflow.internal", "port": 5000, "schema": "https"}),
    )
    op = FitModelOperator(task_id="f", input="/i", model_spec="a.b:C", register_name="m", mlflow_conn_id="my_mlflow")
    assert op.get_hook()._env_vars["MLFLOW_TRACKING_URI"] == "sqlite:////srv/m.db"
    op.mlflow_conn_id = "mlflow_server"
    assert op.get_hook()._env_vars["MLFLOW_TRACKING_URI"] == "https://mlflow.internal:5000"
    op.tracking_uri = "http://x"
    with pytest.raises(ConfigError, match="either tracking_uri or mlflow_conn_id"):
        op.get_hook()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: FitModelOperator(task_id="t", input="", model_spec="a.b:C", register_name="m"), "input"),
        (lambda: FitModelOperator(task_id="t", input="/i", model_spec="", register_name="m"), "model_spec"),
        (
            lambda: FitModelOperator(
                task_id="t", input="/i", model_spec="/saved/model", model_params={"a": 1}, register_name="m"
            ),
            "carries its own parameters",
        ),
        (
            lambda: FitModelOperator(
                task_id="t", input="/i", model_spec="a.b:C", model_params="{not json", register_name="m"
            ),
            "model_params is not valid JSON",
        ),
        (
            lambda: FitModelOperator(task_id="t", input="/i", model_spec="a.b:C", register_name="bad name"),
            "register_name",
        ),
        (
            lambda: BatchTransformOperator(
                task_id="t", input="/i", output_path="/o", model_uri="models:/m", method="x"
            ),
            "method must be one of",
        ),
        (
            lambda: BatchTransformOperator(task_id="t", input="/i/{{ ds }}", output_path="/o", model_uri="models:/m"),
            "unrendered template",
        ),
        (lambda: MonitorOperator(task_id="t", input="/i", reference="/r", on_alert="page"), "on_alert must be one of"),
        (
            lambda: SegmentedFitOperator(
                task_id="t", input="/i", model_spec="a:B", segment_col="s", register_name="m", min_rows=0
            ),
            "min_rows",
        ),
        (
            lambda: StreamingPredictOperator(
                task_id="t",
                model_uri="models:/m@a",
                bootstrap_servers="b",
                input_topic="i",
                output_topic="o",
                checkpoint="/c",
                trigger="processingTime=1 second",
            ),
            "a task must end",
        ),
        (
            lambda: FitModelOperator(task_id="t", input="/i", model_spec="a.b:C", register_name="m", conf=["x"]),
            "conf must be a dict",
        ),
    ],
)
def test_bad_arguments_raise_config_error_at_execute_time(make, match: str) -> None:
    op = make()
    with pytest.raises(ConfigError, match=match):
        op.execute({})
