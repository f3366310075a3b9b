"""PerformanceMonitor: degraded predictions alert (lower bounds for AUC/accuracy), healthy ones do not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models.monitoring import PerformanceMonitor


def scored(n: int, seed: int, noise: float = 0.15, flip: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    score = np.clip(0.5 + (label - 0.5) * 0.5 + rng.normal(0, noise, n), 0.001, 0.999)
    flipped = rng.uniform(size=n) < flip
    score[flipped] = 1 - score[flipped]
    return pd.DataFrame({"label": label, "prediction": (score > 0.5).astype(int), "score": score})


@pytest.fixture(scope="module")
def monitor() -> PerformanceMonitor:
    return PerformanceMonitor(score="score").fit(scored(3000, seed=0))


def test_healthy_batch_raises_no_alert_and_bounds_point_the_right_way(monitor: PerformanceMonitor) -> None:
    report = monitor.predict(scored(500, seed=1)).set_index("metric")
    assert list(report.index) == ["accuracy", "auc", "log_loss"]
    assert not report["alert"].any()
    assert report.loc["auc", "bound"] == "lower" and report.loc["auc", "threshold"] < report.loc["auc", "baseline"]
    assert report.loc["log_loss", "bound"] == "upper"
    assert report.loc["log_loss", "threshold"] > report.loc["log_loss", "baseline"]


def test_values_match_scikit_learn(monitor: PerformanceMonitor) -> None:
    batch = scored(400, seed=2, noise=0.3)
    report = monitor.predict(batch).set_index("metric")["value"]
    assert report["auc"] == pytest.approx(roc_auc_score(batch["label"], batch["score"]), abs=1e-12)
    assert report["log_loss"] == pytest.approx(log_loss(batch["label"], batch["score"]), rel=1e-9)
    assert report["accuracy"] == pytest.approx((batch["label"] == batch["prediction"]).mean())


def test_degraded_predictions_alert_on_every_metric(monitor: PerformanceMonitor) -> None:
    report = monitor.predict(scored(500, seed=3, flip=0.25))
    assert report.set_index("metric")["alert"].to_dict() == {"accuracy": True, "auc": True, "log_loss": True}


def test_rows_without_labels_are_ignored(monitor: PerformanceMonitor) -> None:
    batch = scored(300, seed=4).astype({"label": "float64"})
    batch.loc[:99, "label"] = np.nan
    report = monitor.predict(batch)
    assert (report["n_rows"] == 200).all()


def test_regression_rmse_and_mae_alert_when_errors_grow() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=2000)
    reference = pd.DataFrame({"y": y, "yhat": y + rng.normal(0, 0.3, 2000)})
    monitor = PerformanceMonitor(label="y", prediction="yhat", task="regression").fit(reference)
    healthy = pd.DataFrame({"y": y[:400], "yhat": y[:400] + rng.normal(0, 0.3, 400)})
    worse = pd.DataFrame({"y": y[:400], "yhat": y[:400] + rng.normal(0, 0.5, 400)})
    assert not monitor.predict(healthy)["alert"].any()
    assert monitor.predict(worse).set_index("metric")["alert"].to_dict() == {"rmse": True, "mae": True}


def test_configuration_and_input_errors() -> None:
    frame = scored(100, seed=5)
    with pytest.raises(ConfigError, match="auc needs score="):
        PerformanceMonitor(metrics=["auc"]).fit(frame)
    with pytest.raises(ConfigError, match="task must be"):
        PerformanceMonitor(task="ranking").fit(frame)
    monitor = PerformanceMonitor(score="score", n_chunks=5).fit(frame)
    with pytest.raises(SchemaError, match="missing required column"):
        monitor.predict(frame.drop(columns=["label"]))
