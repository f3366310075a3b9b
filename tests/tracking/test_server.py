"""The same tracking functions against a real ``mlflow server`` process on loopback (HTTP, proxied artifacts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mlflow
import pandas as pd
import pandas.testing as pdt
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.errors import ModelIntegrityError, TrackingError
from yotml_airflow.models import SklearnModel
from yotml_airflow.tracking import describe_model, load_model, log_model, promote, promote_if_better, tracking_uri


@pytest.fixture()
def server(mlflow_server: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server["url"])
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    monkeypatch.delenv("YOTML_ARTIFACT_ROOT", raising=False)
    return mlflow_server


def test_log_load_promote_over_http(
    server: dict[str, str], churn_df: pd.DataFrame, make_churn: Callable[..., pd.DataFrame]
) -> None:
    assert tracking_uri() == server["url"]
    weak = SklearnModel(LogisticRegression(), features=["visits"], target="churned").fit(churn_df)
    strong = SklearnModel(LogisticRegression(), features=["x", "visits"], target="churned").fit(churn_df)
    first = log_model(weak, "churn_http", metrics={"train_auc": 0.6}, data=churn_df)
    second = log_model(strong, "churn_http", data=churn_df)
    assert (first.version, second.version) == (1, 2)
    experiment = mlflow.MlflowClient().get_experiment(first.experiment_id)
    assert experiment.artifact_location.startswith("mlflow-artifacts:")  # the server decides where artifacts go

    promote("churn_http", 1)
    expected = weak.predict(churn_df)
    for uri in (f"runs:/{first.run_id}/model", "models:/churn_http/1", "models:/churn_http@champion"):
        pdt.assert_frame_equal(load_model(uri).predict(churn_df), expected)
    pyfunc = mlflow.pyfunc.load_model("models:/churn_http@champion")
    pdt.assert_frame_equal(pyfunc.predict(churn_df), expected)
    assert pyfunc.metadata.signature.inputs.input_names() == ["visits"]
    requirements = Path(mlflow.artifacts.download_artifacts("models:/churn_http/1/requirements.txt")).read_text()
    assert "yotml-airflow==0.1.0" in requirements.split() and "pytest" not in requirements

    decision = promote_if_better("churn_http", 2, make_churn(n=200, seed=2), "auc")
    assert decision.promoted and decision.champion_version == 1
    assert decision.candidate_score > decision.champion_score
    metrics = mlflow.MlflowClient().get_run(second.run_id).data.metrics
    assert metrics["holdout_auc"] == pytest.approx(decision.candidate_score)
    assert metrics["champion_holdout_auc"] == pytest.approx(decision.champion_score)
    assert describe_model("models:/churn_http@champion").version == 2
    with pytest.raises(TrackingError, match=r"no alias 'prod'; aliases: \{'champion': 2\}, versions: \[1, 2\]"):
        load_model("models:/churn_http@prod")


def test_tampered_artifact_on_the_server_is_refused(server: dict[str, str], churn_df: pd.DataFrame) -> None:
    model = SklearnModel(LogisticRegression(), features=["x"], target="churned").fit(churn_df)
    info = log_model(model, "tamper_http")
    [payload] = [p for p in Path(server["artifacts"]).rglob("yotml_model/model.pkl") if info.run_id in _run_of(p)]
    payload.write_bytes(payload.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match=r"sha256 of model\.pkl"):
        load_model(info.model_uri)
    with pytest.raises(ModelIntegrityError, match=r"sha256 of model\.pkl"):
        mlflow.pyfunc.load_model(info.model_uri)


def _run_of(payload: Path) -> str:
    model_dir = payload.parents[2]
    meta = model_dir / "MLmodel"
    return meta.read_text() if meta.is_file() else ""
