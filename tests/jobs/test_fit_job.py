"""The fit job: builds the model from a spec (nested estimator specs), fits, evaluates, logs through tracking."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from yotml_airflow.models import Imputer, ModelPipeline, SklearnModel, load_model
from yotml_airflow.tracking import load_model as load_tracked


def _churn(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = rng.normal(size=n)
    return pd.DataFrame(
        {"id": np.arange(n), "spend": spend, "churned": (spend + rng.normal(size=n) * 0.3 > 0).astype(int)}
    )


@pytest.fixture()
def data(tmp_path: Path) -> dict[str, str]:
    _churn(120, 0).to_parquet(tmp_path / "train.parquet")
    _churn(60, 1).to_parquet(tmp_path / "holdout.parquet")
    return {
        "train": str(tmp_path / "train.parquet"),
        "holdout": str(tmp_path / "holdout.parquet"),
        "root": str(tmp_path),
    }


SPEC = "yotml_airflow.models:SklearnModel"
PARAMS = {
    "estimator": {"spec": "sklearn.linear_model:LogisticRegression", "params": {"C": 0.5}},
    "features": ["spend"],
    "target": "churned",
}


def test_fit_logs_registers_and_the_model_scores_from_its_uri(mlflow_store, run_job, data):
    code, result, err = run_job(
        "fit",
        "--model-spec",
        SPEC,
        "--params",
        json.dumps(PARAMS),
        "--input",
        data["train"],
        "--holdout",
        data["holdout"],
        "--register-name",
        "churn",
        "--output-model",
        data["root"] + "/local_model",
    )
    assert code == 0, err
    assert result["name"] == "churn" and result["version"] == 1 and result["model_uri"] == "models:/churn/1"
    assert result["run_id"] and set(result["metrics"]) == {"accuracy", "roc_auc"}
    assert 0.7 < result["metrics"]["accuracy"] <= 1.0
    tracked = load_tracked("models:/churn/1")
    assert tracked.estimator_.C == 0.5 and tracked.input_schema == {"spend": "numeric"}
    assert load_model(result["output_model"]).is_fitted()
    out = data["root"] + "/scores"
    code, scored, _ = run_job(
        "transform", "--model", "models:/churn/1", "--input", data["holdout"], "--output", out, "--keep-columns", "id"
    )
    assert code == 0 and scored["rows"] == 60
    expected = tracked.predict(pd.read_parquet(data["holdout"]))
    got = pd.read_parquet(out).sort_values("id").reset_index(drop=True)
    assert np.allclose(got["proba_1"], expected["proba_1"])


def test_fit_from_a_saved_unfitted_model_with_named_metrics(mlflow_store, run_job, data):
    path = ModelPipeline([Imputer(), SklearnModel(LinearRegression(), features=["spend"], target="churned")])
    folder = path.save(Path(data["root"]) / "unfitted")
    code, result, err = run_job(
        "fit",
        "--model-path",
        str(folder),
        "--input",
        data["train"],
        "--holdout",
        data["holdout"],
        "--target",
        "churned",
        "--metrics",
        "rmse,r2",
        "--register-name",
        "churn_lr",
        "--no-register",
    )
    assert code == 0, err
    assert result["version"] is None and result["model_uri"].startswith("runs:/")
    assert set(result["metrics"]) == {"rmse", "r2"}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--model-spec", "no.such.module:Model"], 2, "cannot import module 'no.such.module'"),
        (["--model-spec", "sklearn.linear_model:LinearRegression"], 2, "is not a yotml Model; wrap an estimator"),
        (["--model-spec", SPEC, "--params", "{bad json"], 2, "--params is not valid JSON"),
        (["--model-spec", SPEC, "--params", '{"nope": 1}'], 2, "cannot create yotml_airflow.models:SklearnModel"),
        (
            ["--model-spec", SPEC, "--params", json.dumps({**PARAMS, "features": ["age"]})],
            2,
            "misses column(s) ['age']",
        ),
        (["--model-spec", SPEC, "--params", json.dumps(PARAMS), "--max-rows", "50"], 1, "more than max_rows=50"),
        (["--model-spec", SPEC, "--params", json.dumps(PARAMS), "--metrics", "rmse"], 2, "--metrics needs --holdout"),
    ],
)
def test_fit_errors_are_one_line_and_nothing_is_logged(mlflow_store, run_job, data, args, code, message):
    import mlflow

    got_code, result, err = run_job("fit", *args, "--input", data["train"], "--register-name", "bad")
    assert got_code == code and result is None
    last = err.strip().splitlines()[-1]
    assert "Traceback" not in err and last.startswith("yotml fit: error:") and message in last
    if "max_rows" in message:
        assert mlflow.MlflowClient().search_registered_models() == []


def test_missing_input_is_reported_before_spark(mlflow_store, run_job, data):
    code, _, err = run_job(
        "fit",
        "--model-spec",
        SPEC,
        "--params",
        json.dumps(PARAMS),
        "--input",
        "/no/train.parquet",
        "--register-name",
        "x",
    )
    assert code == 1 and err.strip() == "yotml fit: error: input /no/train.parquet does not exist"
