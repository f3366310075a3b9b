"""Pieces both factories share: the wait-for-data sensor and the Spark/MLflow settings of a task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.standard.sensors.python import PythonSensor


def data_exists(path: str) -> bool:
    """True when ``path`` (local, ``file://`` or any ObjectStoragePath scheme) exists and is not empty."""
    from airflow.sdk import ObjectStoragePath

    target = ObjectStoragePath(path)
    if not target.exists():
        return False
    if target.is_dir():
        return any(p.name.endswith((".parquet", ".csv")) or p.name == "_SUCCESS" for p in target.rglob("*"))
    return True


def wait_for_data(task_id: str, path: str, timeout: timedelta, poke_interval: timedelta) -> PythonSensor:
    """A sensor that succeeds once ``path`` (templated) holds data; reschedules while waiting."""
    return PythonSensor(
        task_id=task_id,
        python_callable=data_exists,
        op_kwargs={"path": path},
        timeout=timeout,
        poke_interval=poke_interval,
        mode="reschedule",
    )


def spark_kwargs(
    spark_conn_id: str,
    mlflow_conn_id: str | None,
    tracking_uri: str | None,
    spark_conf: dict[str, Any] | None,
    py_files: str | None,
    env_vars: dict[str, Any] | None,
) -> dict[str, Any]:
    """Keyword arguments every yotml Spark operator of a factory DAG gets."""
    kwargs: dict[str, Any] = {"conn_id": spark_conn_id}
    if mlflow_conn_id:
        kwargs["mlflow_conn_id"] = mlflow_conn_id
    if tracking_uri:
        kwargs["tracking_uri"] = tracking_uri
    if spark_conf:
        kwargs["conf"] = spark_conf
    if py_files:
        kwargs["py_files"] = py_files
    if env_vars:
        kwargs["env_vars"] = env_vars
    return kwargs
