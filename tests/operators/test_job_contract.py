"""Every operator's arguments parse with the real job's parser: operators and jobs cannot drift apart."""

from __future__ import annotations

import itertools

import pytest

from yotml_airflow.jobs._main import build_parser
from yotml_airflow.jobs._registry import JOBS, job_module
from yotml_airflow.operators import (
    BatchTransformOperator,
    FitModelOperator,
    MonitorOperator,
    PublishPredictionsOperator,
    SegmentedFitOperator,
    StreamingPredictOperator,
)

OPERATORS = [
    FitModelOperator(
        task_id="fit", input="/i", model_spec="a.b:C", model_params={"x": 1}, register_name="m", holdout="/h",
        metrics=["accuracy"], target="y", sample=0.5, max_rows=10, seed=1, register=False, tags={"t": "1"},
        output_model="/o", input_format="csv",
    ),
    FitModelOperator(task_id="fit_path", input="/i", model_spec="/saved/model", register_name="m"),
    BatchTransformOperator(
        task_id="score", input="/i", output_path="/o", model_uri="models:/m@a", method="transform",
        keep_columns=["id"], input_format="parquet", output_format="csv", mode="error", batch_size=100,
    ),
    SegmentedFitOperator(
        task_id="seg", input="/i", model_spec="a.b:C", model_params={}, segment_col="s", register_name="m",
        min_rows=5, fallback="error", max_failure_ratio=0.1, buckets=8, tags={"t": "1"},
    ),
    MonitorOperator(
        task_id="mon", input="/i", reference="/r", model_uri="models:/m/1", monitor_params={"k": 3},
        columns=["a"], on_alert="notify", webhook_url="http://127.0.0.1:1/h", input_format="parquet",
        reference_format="csv", report_path="/r.html",
    ),
    StreamingPredictOperator(
        task_id="stream", model_uri="models:/m@a", bootstrap_servers="b:9092", input_topic="i", output_topic="o",
        checkpoint="/c", dead_letter_topic="d", keep_fields=["id"], starting_offsets="latest",
        max_offsets_per_trigger=10, kafka_options={"a": "b"}, batch_size=5,
    ),
    PublishPredictionsOperator(
        task_id="publish", model_uri="models:/m@a", input="/i", bootstrap_servers="b:9092", topic="t",
        key_column="id", keep_columns=["x"], input_format="parquet", kafka_options={"a": "b"}, batch_size=5,
    ),
]  # fmt: skip


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.task_id)
def test_operator_arguments_parse_with_the_jobs_parser(op) -> None:
    args = op.application_args("/tmp/result.json")
    job = args[0]
    assert job in JOBS
    parsed = build_parser(job, job_module(job)).parse_args(args[1:])
    assert parsed.result_path == "/tmp/result.json"
    for flag, value in itertools.pairwise(args[1:]):
        if flag.startswith("--") and not value.startswith("--"):
            dest = flag[2:].replace("-", "_")
            if hasattr(parsed, dest) and not isinstance(getattr(parsed, dest), list):
                assert str(getattr(parsed, dest)) == value, flag
