"""The champion/challenger gate against a real SQLite MLflow store: first version, better, worse, within min_delta."""

from __future__ import annotations

import math
from collections.abc import Callable

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import log_loss, mean_squared_error, roc_auc_score

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models import SklearnModel
from yotml_airflow.tracking import describe_model, log_model, promote_if_better


def _run_metrics(name: str, version: int) -> dict[str, float]:
    client = mlflow.MlflowClient()
    return client.get_run(client.get_model_version(name, str(version)).run_id).data.metrics


def test_classifier_gate_first_better_worse_and_within_min_delta(
    mlflow_store: str, churn_df: pd.DataFrame, make_churn: Callable[..., pd.DataFrame]
) -> None:
    holdout = make_churn(n=200, seed=1)
    weak = SklearnModel(LogisticRegression(), features=["visits"], target="churned").fit(churn_df)
    strong = SklearnModel(LogisticRegression(), features=["x", "visits"], target="churned").fit(churn_df)
    close = SklearnModel(LogisticRegression(C=0.8), features=["x", "visits"], target="churned").fit(churn_df)
    for model in (weak, strong, weak, close):
        log_model(model, "churn")
    weak_auc = roc_auc_score(holdout["churned"], weak.predict(holdout)["proba_1"])
    strong_auc = roc_auc_score(holdout["churned"], strong.predict(holdout)["proba_1"])
    assert strong_auc > weak_auc + 0.1

    first = promote_if_better("churn", 1, holdout, "auc")
    assert first.promoted and first.champion_version is None and first.champion_score is None
    assert "no version had alias 'champion'" in first.reason
    assert first.candidate_score == pytest.approx(weak_auc)
    assert _run_metrics("churn", 1) == {"holdout_auc": pytest.approx(weak_auc)}
    assert describe_model("models:/churn@champion").version == 1

    better = promote_if_better("churn", 2, holdout, "auc")
    assert better.promoted and better.champion_version == 1
    assert (better.candidate_score, better.champion_score) == (pytest.approx(strong_auc), pytest.approx(weak_auc))
    assert _run_metrics("churn", 2) == {"holdout_auc": pytest.approx(strong_auc),
                                        "champion_holdout_auc": pytest.approx(weak_auc)}
    assert describe_model("models:/churn@champion").version == 2

    worse = promote_if_better("churn", 3, holdout, "auc")
    assert not worse.promoted and worse.champion_version == 2 and "does not beat" in worse.reason
    assert _run_metrics("churn", 3) == {"holdout_auc": pytest.approx(weak_auc),
                                        "champion_holdout_auc": pytest.approx(strong_auc)}
    assert describe_model("models:/churn@champion").version == 2

    within = promote_if_better("churn", 4, holdout, "auc", min_delta=0.05)
    assert abs(within.candidate_score - within.champion_score) < 0.05
    assert not within.promoted and "min_delta 0.05" in within.reason
    assert describe_model("models:/churn@champion").version == 2
    tags = mlflow.MlflowClient().get_model_version("churn", "4").tags
    assert tags["yotml.promotion.champion"].startswith("not promoted: candidate auc")

    by_loss = promote_if_better("churn", 3, holdout, "log_loss")  # lower is better, known from the metric
    assert not by_loss.promoted
    proba = weak.predict(holdout)[["proba_0", "proba_1"]].to_numpy()
    assert by_loss.candidate_score == pytest.approx(log_loss(holdout["churned"], proba))
    assert promote_if_better("churn", 2, holdout, "accuracy").reason == "version 2 already has alias 'champion'"

    with pytest.raises(ConfigError, match="log_loss is better when lower"):
        promote_if_better("churn", 3, holdout, "log_loss", higher_is_better=True)
    with pytest.raises(ConfigError, match="unknown metric 'gini'"):
        promote_if_better("churn", 3, holdout, "gini")
    with pytest.raises(SchemaError, match="no label column 'churned'"):
        promote_if_better("churn", 3, holdout.drop(columns="churned"), "auc")


def test_regressor_gate_with_rmse_custom_alias_and_explicit_label(mlflow_store: str) -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(size=150)})
    df["spend"] = 3 * df["x"] + rng.normal(scale=0.3, size=150)
    train, holdout = df.iloc[:100], df.iloc[100:]
    mean_model = SklearnModel(DummyRegressor(), features=["x"], target="spend").fit(train)
    linear = SklearnModel(LinearRegression(), features=["x"], target="spend").fit(train)
    log_model(mean_model, "spend")
    log_model(linear, "spend")

    assert promote_if_better("spend", 1, holdout, "rmse", alias="prod", label="spend").promoted
    decision = promote_if_better("spend", 2, holdout, "rmse", alias="prod", label="spend", min_delta=0.5)
    expected = math.sqrt(mean_squared_error(holdout["spend"], linear.predict(holdout)["prediction"]))
    assert decision.promoted and decision.candidate_score == pytest.approx(expected)
    assert decision.champion_score > decision.candidate_score + 0.5
    assert describe_model("models:/spend@prod").version == 2
    assert _run_metrics("spend", 2) == {"holdout_rmse": pytest.approx(expected),
                                        "champion_holdout_rmse": pytest.approx(decision.champion_score)}
