"""Bad input: unknown names, versions and aliases list what exists; malformed URIs; tampered artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.errors import ConfigError, ModelIntegrityError, NotFittedError, TrackingError
from yotml_airflow.models import SklearnModel
from yotml_airflow.models._persist import sha256_file
from yotml_airflow.tracking import describe_model, load_model, log_model, promote, resolve_model


@pytest.fixture()
def two_versions(mlflow_store: str, churn_df: pd.DataFrame) -> SklearnModel:
    model = SklearnModel(LogisticRegression(), features=["x"], target="churned").fit(churn_df)
    log_model(model, "churn")
    log_model(model, "churn")
    log_model(model, "other")
    promote("churn", 2, alias="champion")
    promote("churn", 1, alias="previous")
    return model


def test_unknown_name_version_alias_list_what_exists(two_versions: SklearnModel) -> None:
    with pytest.raises(TrackingError, match=r"no registered model named 'nope'; registered models: \['churn', 'other'"):
        load_model("models:/nope/1")
    with pytest.raises(TrackingError, match=r"has no version 7; versions: \[1, 2\], aliases: \{'champion': 2, "
                       r"'previous': 1\}"):
        load_model("models:/churn/7")
    with pytest.raises(TrackingError, match=r"has no alias 'prod'; aliases: \{'champion': 2, 'previous': 1\}"):
        describe_model("models:/churn@prod")
    with pytest.raises(TrackingError, match=r"versions: \[1, 2\]"):
        promote("churn", 9)
    with pytest.raises(TrackingError, match="registered models"):
        promote("nope", 1)
    with pytest.raises(TrackingError, match="no MLflow run"):
        load_model("runs:/0123456789abcdef0123456789abcdef/model")


@pytest.mark.parametrize("uri", ["models:/", "models:/churn/1/2", "models:/churn@", "runs:/", "runs:/abc",
                                 "s3://bucket/model", "churn"])
def test_malformed_uri_names_the_accepted_forms(uri: str) -> None:
    with pytest.raises(TrackingError, match=r"malformed model URI .*expected runs:/<run_id>/<path>, models:/<name>"):
        load_model(uri)


def test_bad_arguments_fail_before_any_run(mlflow_store: str, churn_df: pd.DataFrame, tmp_path: Path) -> None:
    fitted = SklearnModel(LogisticRegression(), features=["x"], target="churned").fit(churn_df)
    with pytest.raises(NotFittedError):
        log_model(SklearnModel(LogisticRegression()), "churn")
    with pytest.raises(ConfigError, match="metric 'auc' must be a number"):
        log_model(fitted, "churn", metrics={"auc": "high"})
    with pytest.raises(ConfigError, match="does not exist"):
        log_model(fitted, "churn", artifacts={"notes": tmp_path / "missing.txt"})
    with pytest.raises(ConfigError, match="not usable in models:/ URIs"):
        log_model(fitted, "churn/v2")
    with pytest.raises(ConfigError, match="alias 'v3'"):
        promote("churn", 1, alias="v3")
    with pytest.raises(ConfigError, match="neither a saved model folder nor a model URI"):
        resolve_model(str(tmp_path / "nowhere"))
    assert mlflow.MlflowClient().search_experiments(filter_string="name != 'Default'") == []


def _stored_yotml_folder(mlflow_store: str, artifact_root: Path) -> Path:
    [folder] = list(artifact_root.rglob("yotml_model"))
    return folder


def test_tampered_artifact_is_refused(mlflow_store: str, churn_df: pd.DataFrame, tmp_path: Path) -> None:
    model = SklearnModel(LogisticRegression(), features=["x"], target="churned").fit(churn_df)
    info = log_model(model, "churn")
    folder = _stored_yotml_folder(mlflow_store, tmp_path / "artifacts")
    payload = folder / "model.pkl"
    data = bytearray(payload.read_bytes())
    data[len(data) // 2] ^= 0xFF
    payload.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"sha256 of model\.pkl"):
        load_model(info.model_uri)
    with pytest.raises(ModelIntegrityError, match=r"sha256 of model\.pkl"):
        mlflow.pyfunc.load_model(info.model_uri)

    manifest = json.loads((folder / "manifest.json").read_text())  # a consistent re-signed folder is refused too
    manifest["files"]["model.pkl"] = sha256_file(payload)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match="differs from the manifest recorded when the model was logged"):
        load_model(info.model_uri)
    with pytest.raises(ModelIntegrityError, match="differs from the manifest recorded"):
        mlflow.pyfunc.load_model(info.model_uri)
