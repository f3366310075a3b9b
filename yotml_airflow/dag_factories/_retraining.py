"""``retraining_dag``: a scheduled, monitored retraining pipeline from a few arguments.

The DAG: ``wait_for_data`` (training data for the run's date) -> ``fit`` (the model: a
``ModelPipeline`` of cleaning, feature and estimator models, or a ``SegmentedModel`` of it, fitted
on Spark and registered in MLflow with its hold-out metrics) and ``fit_monitor`` (a drift monitor
learned on the same training data, registered beside it) -> ``promote`` (champion/challenger on the
held-out data; the monitor's alias follows the model's).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG

from yotml_airflow.dag_factories._common import spark_kwargs, wait_for_data
from yotml_airflow.dag_factories._model_ref import model_arguments
from yotml_airflow.errors import ConfigError
from yotml_airflow.models import Model
from yotml_airflow.operators import FitModelOperator, PromoteModelOperator, SegmentedFitOperator

DEFAULT_MONITOR = "yotml_airflow.models.monitoring:DriftMonitor"
DEFAULT_START = datetime(2026, 1, 1)


def retraining_dag(
    *,
    dag_id: str,
    train_data: str,
    holdout_data: str,
    model: Model | str,
    register_name: str,
    target: str,
    schedule: Any = "@weekly",
    model_params: dict[str, Any] | None = None,
    segment_col: str | None = None,
    min_rows: int | None = None,
    fallback: str | None = None,
    metric: str = "auc",
    higher_is_better: bool | None = None,
    min_delta: float = 0.0,
    monitor: Model | str | None = DEFAULT_MONITOR,
    monitor_params: dict[str, Any] | None = None,
    wait_timeout: timedelta = timedelta(hours=6),
    poke_interval: timedelta = timedelta(minutes=5),
    spark_conn_id: str = "spark_default",
    mlflow_conn_id: str | None = None,
    tracking_uri: str | None = None,
    spark_conf: dict[str, Any] | None = None,
    py_files: str | None = None,
    env_vars: dict[str, Any] | None = None,
    default_args: dict[str, Any] | None = None,
    start_date: datetime = DEFAULT_START,
    catchup: bool = False,
    tags: list[str] | None = None,
) -> DAG:
    """Build the retraining DAG.

    Args:
        dag_id: the DAG's id.
        train_data / holdout_data: data locations, templated (``/data/train/ds={{ ds }}``).
        model: the model to fit: a yotml ``Model`` (saved once, unfitted) or a
            ``"package.module:ClassName"`` spec with ``model_params``.
        register_name: the MLflow registered model name; the monitor registers as
            ``<register_name>-monitor``.
        target: the label column, for the hold-out metrics and promotion.
        segment_col: fit one model per segment (``SegmentedFitOperator``) with ``min_rows`` and
            ``fallback`` policies.
        metric / higher_is_better / min_delta: the champion/challenger rule.
        monitor: the drift monitor (spec or ``Model``) fitted on the training data; ``None`` for none.
            The default ``DriftMonitor`` skips the label (``target``), identifiers and timestamps.
        spark_conn_id / mlflow_conn_id / tracking_uri / spark_conf / py_files / env_vars: passed
            to every Spark task.

    Example::

        dag = retraining_dag(
            dag_id="churn_retraining", schedule="@weekly",
            train_data="/data/train/ds={{ ds }}", holdout_data="/data/holdout/ds={{ ds }}",
            model=ModelPipeline([DataCleaner(), SklearnModel(LogisticRegression(), target="churned")]),
            register_name="churn", target="churned", segment_col="store_id",
        )
    """
    if not register_name:
        raise ConfigError(f"{dag_id}: register_name is required")
    if (min_rows is not None or fallback is not None) and not segment_col:
        raise ConfigError(f"{dag_id}: min_rows and fallback apply to segmented models: set segment_col")
    model_spec, params = model_arguments(model, model_params, dag_id)
    shared = spark_kwargs(spark_conn_id, mlflow_conn_id, tracking_uri, spark_conf, py_files, env_vars)
    with DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date,
        catchup=catchup,
        default_args=default_args or {"retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=tags or ["yotml", "retraining"],
        doc_md=__doc__,
    ) as dag:
        ready = wait_for_data("wait_for_data", train_data, wait_timeout, poke_interval)
        if segment_col:
            fit = SegmentedFitOperator(
                task_id="fit",
                input=train_data,
                model_spec=model_spec,
                model_params=params,
                segment_col=segment_col,
                register_name=register_name,
                min_rows=min_rows,
                fallback=fallback,
                **shared,
            )
        else:
            fit = FitModelOperator(
                task_id="fit",
                input=train_data,
                model_spec=model_spec,
                model_params=params,
                register_name=register_name,
                holdout=holdout_data,
                metrics=[metric],
                target=target,
                **shared,
            )
        followers: dict[str, str | int] = {}
        ready >> fit
        if monitor is not None:
            if monitor == DEFAULT_MONITOR and monitor_params is None:
                monitor_params = {"exclude": [target]}
            monitor_spec, monitor_args = model_arguments(monitor, monitor_params, f"{dag_id}-monitor")
            fit_monitor = FitModelOperator(
                task_id="fit_monitor",
                input=train_data,
                model_spec=monitor_spec,
                model_params=monitor_args,
                register_name=f"{register_name}-monitor",
                **shared,
            )
            ready >> fit_monitor
            followers[f"{register_name}-monitor"] = "{{ ti.xcom_pull(task_ids='fit_monitor')['version'] }}"
        promote = PromoteModelOperator(
            task_id="promote",
            name=register_name,
            version="{{ ti.xcom_pull(task_ids='fit')['version'] }}",
            holdout=holdout_data,
            metric=metric,
            higher_is_better=higher_is_better,
            min_delta=min_delta,
            target=target,
            followers=followers or None,
            tracking_uri=tracking_uri,
            mlflow_conn_id=mlflow_conn_id,
        )
        fit >> promote
        if monitor is not None:
            fit_monitor >> promote
    return dag
