"""Fixtures shared by the whole test session: one local Spark session, a temporary MLflow store."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """The one local[2] SparkSession of the test session."""
    from yotml_airflow.spark import get_spark

    session = get_spark("local[2]", app_name="yotml-tests", conf={"spark.sql.shuffle.partitions": "4"})
    yield session
    session.stop()


@pytest.fixture()
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real MLflow SQLite tracking store and artifact folder in a temporary directory."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", uri)
    monkeypatch.setenv("YOTML_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    return uri
