"""What one ``log_model`` run holds: params, metrics, tags, fingerprint, requirements, extra artifacts, locations."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

import mlflow
import pandas as pd
import pandas.testing as pdt
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import ModelPipeline, SklearnModel
from yotml_airflow.tracking import log_model
from yotml_airflow.tracking._params import data_fingerprint


def test_run_records_params_metrics_tags_requirements_and_artifacts(
    mlflow_store: str, churn_df: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parent)  # inside the project's git repository
    pipe = ModelPipeline(
        [("clf", SklearnModel(LogisticRegression(C=0.25), features=["x", "visits"], target="churned"))]
    ).fit(churn_df)
    pipe.steps[0][1].features = ["x", "visits"] + [f"unused_{i}" for i in range(1500)]  # a 20 kB param
    per_store = churn_df.groupby("store", as_index=False)["churned"].mean()
    notes = tmp_path / "notes.txt"
    notes.write_text("trained on the churn sample")
    info = log_model(
        pipe,
        "churn_pipe",
        metrics={"train_auc": 0.87, "rows": 120},
        data=churn_df,
        tags={"team": "growth"},
        artifacts={"per_store_metrics": per_store, "notes": notes, "config": {"cutoff": 0.5}},
    )
    run = mlflow.MlflowClient().get_run(info.run_id)
    params, tags = run.data.params, run.data.tags
    assert params["steps__clf__estimator__C"] == "0.25"
    assert params["steps__clf__target"] == "churned"
    assert params["steps__clf"] == "SklearnModel"
    assert len(params["steps__clf__features"]) == 6000 and params["steps__clf__features"].endswith("...[truncated]")
    assert run.data.metrics == {"train_auc": 0.87, "rows": 120.0}
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert tags["yotml.git_commit"] == head
    assert tags["yotml.version"] == "0.1.0" and tags["team"] == "growth"
    assert tags["yotml.model_class"] == "yotml_airflow.models._pipeline:ModelPipeline"
    fingerprint = data_fingerprint(churn_df)
    assert tags["yotml.data.rows"] == "120"
    assert {k: tags[k] for k in fingerprint} == fingerprint
    assert data_fingerprint(churn_df.astype({"visits": "float64"}))["yotml.data.schema_hash"] != fingerprint[
        "yotml.data.schema_hash"]
    changed = churn_df.copy()
    changed.loc[0, "x"] += 1
    assert data_fingerprint(changed)["yotml.data.sample_hash"] != fingerprint["yotml.data.sample_hash"]

    requirements = Path(mlflow.artifacts.download_artifacts(f"{info.model_uri}/requirements.txt")).read_text().split()
    pins = dict(r.split("==") for r in requirements)
    expected = {"mlflow", "cloudpickle", "numpy", "pandas", "pyarrow", "scikit-learn", "scipy", "yotml-airflow"}
    assert set(pins) == expected
    assert all(pins[name] == metadata.version(name) for name in expected)

    stored = Path(mlflow.artifacts.download_artifacts(run_id=info.run_id, artifact_path=""))
    assert {p.name for p in stored.iterdir()} == {"yotml_params.json", "per_store_metrics.parquet", "notes.txt",
                                                   "config.json"}
    pdt.assert_frame_equal(pd.read_parquet(stored / "per_store_metrics.parquet"), per_store)
    assert (stored / "notes.txt").read_text() == "trained on the churn sample"


def test_unregistered_model_has_a_runs_uri_and_artifacts_stay_out_of_cwd(
    mlflow_store: str, churn_df: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    model = SklearnModel(LogisticRegression(), features=["x"], target="churned").fit(churn_df)
    info = log_model(model, "adhoc", register=False)
    assert info.version is None and info.model_uri == f"runs:/{info.run_id}/model"
    assert mlflow.MlflowClient().search_registered_models() == []
    experiment = mlflow.MlflowClient().get_experiment(info.experiment_id)
    assert experiment.name == "adhoc"
    assert experiment.artifact_location == (tmp_path / "artifacts" / "adhoc").as_uri()
    assert list(cwd.iterdir()) == []
    assert "yotml.data.rows" not in mlflow.MlflowClient().get_run(info.run_id).data.tags
