"""Hold-out metrics agree with scikit-learn for class labels of any type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.tracking._metrics import direction, score


@pytest.fixture()
def binary() -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(0)
    y = pd.Series(rng.integers(0, 2, 60))
    p1 = np.clip(y * 0.6 + rng.uniform(0, 0.4, 60), 0.01, 0.99)
    pred = pd.DataFrame({"prediction": (p1 > 0.5).astype("int64"), "proba_0": 1 - p1, "proba_1": p1})
    return y, pred


def test_binary_metrics_match_sklearn(binary: tuple[pd.Series, pd.DataFrame]) -> None:
    y, pred = binary
    assert score("auc", y, pred) == pytest.approx(skm.roc_auc_score(y, pred["proba_1"]))
    assert score("auc", y.astype(float), pred) == pytest.approx(skm.roc_auc_score(y, pred["proba_1"]))
    assert score("accuracy", y, pred) == pytest.approx(skm.accuracy_score(y, pred["prediction"]))
    assert score("log_loss", y, pred) == pytest.approx(skm.log_loss(y, pred[["proba_0", "proba_1"]]))
    assert score("f1", y, pred) == pytest.approx(skm.f1_score(y, pred["prediction"]))
    text = y.map({0: "stay", 1: "churn"})
    named = pred.rename(columns={"proba_0": "proba_stay", "proba_1": "proba_churn"})
    named["prediction"] = named["prediction"].map({0: "stay", 1: "churn"})
    assert score("auc", text, named) == pytest.approx(skm.roc_auc_score(text == "stay", named["proba_stay"]))


def test_regression_and_multiclass_metrics_match_sklearn() -> None:
    y = pd.Series([1.0, 2.0, 3.0, 4.5])
    pred = pd.DataFrame({"prediction": [1.1, 1.8, 3.3, 4.0]})
    assert score("rmse", y, pred) == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred["prediction"])))
    assert score("mae", y, pred) == pytest.approx(skm.mean_absolute_error(y, pred["prediction"]))
    assert score("r2", y, pred) == pytest.approx(skm.r2_score(y, pred["prediction"]))
    labels = pd.Series(["a", "b", "c", "a", "b", "c"])
    proba = np.array(
        [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.4, 0.4, 0.2], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]]
    )
    multi = pd.DataFrame(proba, columns=["proba_a", "proba_b", "proba_c"])
    expected = skm.roc_auc_score(labels, proba, multi_class="ovr", labels=["a", "b", "c"])
    assert score("auc", labels, multi) == pytest.approx(expected)


def test_metric_direction_and_bad_inputs() -> None:
    assert direction("rmse", None) is False and direction("auc", None) is True
    with pytest.raises(ConfigError, match="rmse is better when lower"):
        direction("rmse", True)
    with pytest.raises(ConfigError, match="callable metric needs higher_is_better"):
        direction(lambda y, p: 0.0, None)
    with pytest.raises(SchemaError, match="log_loss needs proba_"):
        score("log_loss", pd.Series([0, 1]), pd.DataFrame({"prediction": [0, 1]}))
    with pytest.raises(SchemaError, match="only"):
        score("auc", pd.Series([1, 1]), pd.DataFrame({"proba_0": [0.2, 0.1], "proba_1": [0.8, 0.9]}))
