"""Where tracking goes: the project-local default, environment overrides, and MLflow's globals left as found."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import yotml_airflow.tracking as tracking
from yotml_airflow.models import SklearnModel
from yotml_airflow.tracking import default_tracking_uri, load_model, log_model, tracking_uri


def test_default_store_is_project_local_and_globals_are_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, churn_df: pd.DataFrame, _mlflow_db_template: Path
) -> None:
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "YOTML_ARTIFACT_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("YOTML_HOME", str(tmp_path / "project"))
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "project" / ".yotml" / "mlflow"
    assert tracking_uri() == default_tracking_uri() == f"sqlite:///{store / 'mlflow.db'}"
    store.mkdir(parents=True)
    shutil.copyfile(_mlflow_db_template, store / "mlflow.db")  # skip the slow schema migration
    before = mlflow.get_tracking_uri()

    model = SklearnModel(LogisticRegression(), features=["x"], target="churned").fit(churn_df)
    info = log_model(model, "local_default")
    assert "MLFLOW_TRACKING_URI" not in os.environ and "MLFLOW_REGISTRY_URI" not in os.environ
    assert mlflow.get_tracking_uri() == before
    assert list((store / "artifacts" / "local_default").rglob("yotml_model/manifest.json"))
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlartifacts").exists()
    assert load_model(info.model_uri).get_params()["features"] == ["x"]


def test_explicit_and_environment_uris_win(mlflow_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tracking_uri() == mlflow_store
    assert tracking_uri("http://127.0.0.1:5999") == "http://127.0.0.1:5999"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5998")
    assert tracking_uri() == "http://127.0.0.1:5998"


def test_public_names_are_exported_sorted() -> None:
    assert tracking.__all__ == sorted(tracking.__all__)
    assert all(hasattr(tracking, name) for name in tracking.__all__)
    assert {"log_model", "load_model", "describe_model", "resolve_model", "promote", "promote_if_better",
            "tracking_uri", "LoggedModel", "ModelRef", "PromotionDecision"} <= set(tracking.__all__)
