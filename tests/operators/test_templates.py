"""Templated fields render with the run's context, so ``{{ ds }}``-partitioned paths work."""

from __future__ import annotations

import datetime as dt

import airflow.sdk.execution_time.macros as macros
from airflow.sdk import DAG

from yotml_airflow.operators import BatchTransformOperator, FitModelOperator, MonitorOperator, SegmentedFitOperator


def _dag() -> DAG:
    return DAG("templates", schedule=None, start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


def test_public_fields_render_with_ds_and_params() -> None:
    with _dag() as dag:
        fit = FitModelOperator(
            task_id="fit",
            input="/data/customers/ds={{ ds }}",
            model_spec="churn.models:ChurnModel",
            model_params={"target": "churned", "as_of": "{{ ds }}"},
            register_name="churn_{{ params.region }}",
            params={"region": "eu"},
            env_vars={"RUN_DAY": "{{ ds_nodash }}"},
            conf={"spark.app.tag": "{{ ds }}"},
        )
        score = BatchTransformOperator(
            task_id="score",
            input="/data/customers/ds={{ ds }}",
            output_path="/data/scores/ds={{ ds }}",
            model_uri="models:/churn@{{ params.alias }}",
            params={"alias": "champion"},
        )
        mon = MonitorOperator(
            task_id="mon", input="/data/customers/ds={{ ds }}", reference="/data/ref/ds={{ macros.ds_add(ds, -7) }}"
        )
        seg = SegmentedFitOperator(
            task_id="seg",
            input="/d/{{ ds }}",
            model_spec="m:M",
            segment_col="store_id",
            register_name="per_store",
        )
    for task in (fit, score, mon, seg):
        context = {"ds": "2024-03-05", "ds_nodash": "20240305", "params": task.params, "macros": macros, "dag": dag}
        task.render_template_fields(context)

    assert fit.input == "/data/customers/ds=2024-03-05"
    assert fit.model_params == {"target": "churned", "as_of": "2024-03-05"}
    assert fit.register_name == "churn_eu"
    assert fit.env_vars == {"RUN_DAY": "20240305"}
    assert fit.conf == {"spark.app.tag": "2024-03-05"}
    assert score.output_path == "/data/scores/ds=2024-03-05"
    assert score.model_uri == "models:/churn@champion"
    assert mon.reference == "/data/ref/ds=2024-02-27"
    assert seg.input == "/d/2024-03-05"
    assert score.application_args()[:5] == [
        "transform",
        "--input",
        "/data/customers/ds=2024-03-05",
        "--output",
        "/data/scores/ds=2024-03-05",
    ]


def test_template_fields_are_public_attribute_names() -> None:
    for cls in (FitModelOperator, BatchTransformOperator, MonitorOperator, SegmentedFitOperator):
        assert all(not name.startswith("_") for name in cls.template_fields)
        assert {"input", "conf", "env_vars", "py_files", "tracking_uri"} <= set(cls.template_fields)
