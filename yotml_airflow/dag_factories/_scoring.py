"""``batch_scoring_dag``: score new data with the champion, monitor it, notify, optionally publish.

The DAG: ``wait_for_data`` -> ``score`` (``BatchTransformOperator`` with ``models:/<name>@<alias>``)
-> ``monitor`` (``MonitorOperator``: the new batch and its predictions against the monitor fitted on
the training data, ``models:/<name>-monitor@<alias>``, or against reference data) -> ``notify`` (a
summary of the run: rows scored, where, alerts; runs even when a step failed), and, with
``kafka_topic``, ``publish`` (the same predictions to Kafka).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from yotml_airflow.dag_factories._common import spark_kwargs, wait_for_data
from yotml_airflow.errors import ConfigError
from yotml_airflow.operators import BatchTransformOperator, MonitorOperator, PublishPredictionsOperator

DEFAULT_START = datetime(2026, 1, 1)
ALERT_POLICIES = ("fail", "notify", "ignore")


def notify_summary(ti: Any, webhook_url: str | None = None, dag_id: str = "", monitored: bool = True) -> dict:
    """Log (and POST to ``webhook_url``, Slack-compatible) a summary of one scoring run."""
    import logging

    score = ti.xcom_pull(task_ids="score")
    monitor = ti.xcom_pull(task_ids="monitor") if monitored else None
    alerts = (monitor or {}).get("alerts") or []
    summary = {
        "dag_id": dag_id,
        "rows_scored": (score or {}).get("rows"),
        "output": (score or {}).get("output"),
        "model": (score or {}).get("model"),
        "alerts": alerts,
        "n_alerts": len(alerts),
        "report": (monitor or {}).get("report_path"),
    }
    text = (
        f"{dag_id}: scored {summary['rows_scored']} rows into {summary['output']}; "
        f"{len(alerts)} monitoring alert(s)" + (f"; report {summary['report']}" if summary["report"] else "")
    )
    logging.getLogger("yotml.notify").info(text)
    if webhook_url:
        import httpx

        httpx.post(
            webhook_url,
            content=json.dumps({"text": text, **summary}, default=str),
            timeout=10,
            headers={"Content-Type": "application/json"},
        ).raise_for_status()
    return summary


def batch_scoring_dag(
    *,
    dag_id: str,
    input_data: str,
    output_path: str,
    model_name: str,
    schedule: Any = "@daily",
    alias: str = "champion",
    keep_columns: list[str] | None = None,
    monitor_reference: str | None = None,
    monitor_columns: list[str] | None = None,
    on_alert: str = "notify",
    webhook_url: str | None = None,
    report_path: str | None = None,
    kafka_topic: str | None = None,
    kafka_bootstrap_servers: str | None = None,
    kafka_key_column: str | None = None,
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
    """Build the batch-scoring DAG.

    Args:
        dag_id: the DAG's id.
        input_data / output_path: templated locations (``/data/score/ds={{ ds }}``).
        model_name / alias: the registered model scored (``models:/<model_name>@<alias>``).
        keep_columns: input columns kept beside the predictions (IDs); default all.
        monitor_reference: what the batch is compared with: a fitted monitor URI or path, or
            reference data; default ``models:/<model_name>-monitor@<alias>`` (the retraining
            factory's monitor). ``""`` turns monitoring off.
        on_alert: ``"fail"``, ``"notify"`` or ``"ignore"``; ``webhook_url`` receives the alerts and
            the run summary.
        kafka_topic / kafka_bootstrap_servers / kafka_key_column: also publish the predictions;
            the servers default to ``YOTML_KAFKA_BOOTSTRAP_SERVERS`` (set by docker-compose.yml).

    Example::

        dag = batch_scoring_dag(
            dag_id="churn_scoring", schedule="@daily", model_name="churn",
            input_data="/data/score/ds={{ ds }}", output_path="/data/predictions/ds={{ ds }}",
        )
    """
    if on_alert not in ALERT_POLICIES:
        raise ConfigError(f"{dag_id}: on_alert must be one of {ALERT_POLICIES}, got {on_alert!r}")
    kafka_bootstrap_servers = kafka_bootstrap_servers or os.environ.get("YOTML_KAFKA_BOOTSTRAP_SERVERS")
    if kafka_topic and not kafka_bootstrap_servers:
        raise ConfigError(
            f"{dag_id}: kafka_topic needs kafka_bootstrap_servers (or YOTML_KAFKA_BOOTSTRAP_SERVERS in the environment)"
        )
    model_uri = f"models:/{model_name}@{alias}"
    reference = f"models:/{model_name}-monitor@{alias}" if monitor_reference is None else monitor_reference
    shared = spark_kwargs(spark_conn_id, mlflow_conn_id, tracking_uri, spark_conf, py_files, env_vars)
    with DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date,
        catchup=catchup,
        default_args=default_args or {"retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=tags or ["yotml", "scoring"],
        doc_md=__doc__,
    ) as dag:
        ready = wait_for_data("wait_for_data", input_data, wait_timeout, poke_interval)
        score = BatchTransformOperator(
            task_id="score",
            input=input_data,
            output_path=output_path,
            model_uri=model_uri,
            keep_columns=keep_columns,
            **shared,
        )
        ready >> score
        if reference:
            monitor = MonitorOperator(
                task_id="monitor",
                input=input_data,
                reference=reference,
                model_uri=model_uri,
                columns=monitor_columns,
                on_alert=on_alert,
                webhook_url=webhook_url,
                report_path=report_path,
                **shared,
            )
            score >> monitor
        notify = PythonOperator(
            task_id="notify",
            python_callable=notify_summary,
            op_kwargs={"webhook_url": webhook_url, "dag_id": dag_id, "monitored": bool(reference)},
            trigger_rule="all_done",
        )
        (monitor if reference else score) >> notify
        if kafka_topic:
            publish = PublishPredictionsOperator(
                task_id="publish",
                model_uri=model_uri,
                input=input_data,
                bootstrap_servers=kafka_bootstrap_servers or "",
                topic=kafka_topic,
                key_column=kafka_key_column,
                keep_columns=keep_columns,
                **shared,
            )
            score >> publish
    return dag
