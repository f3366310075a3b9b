"""DriftMonitor: known shifts raise the right alerts; no shift raises none; bad input is refused."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from tests.monitoring.frames import make_frame
from yotml_airflow.errors import ConfigError, EmptyDataError, NotFittedError, SchemaError
from yotml_airflow.models import ModelPipeline, SklearnModel, load_model
from yotml_airflow.models.monitoring import REPORT_COLUMNS, DriftMonitor, PredictionDriftMonitor


@pytest.fixture(scope="module")
def monitor() -> DriftMonitor:
    return DriftMonitor().fit(make_frame(3000, seed=1))


def alerts(report: pd.DataFrame) -> set[tuple[str, str]]:
    return set(map(tuple, report.loc[report["alert"], ["feature", "metric"]].values.tolist()))


def test_report_has_declared_columns_and_one_row_per_feature_and_metric(monitor: DriftMonitor) -> None:
    report = monitor.predict(make_frame(500, seed=2))
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert {c: str(report[c].dtype) for c in ("value", "threshold", "alert", "n_rows")} == {
        "value": "float64",
        "threshold": "float64",
        "alert": "bool",
        "n_rows": "int64",
    }
    assert report.index.equals(pd.RangeIndex(len(report)))
    numeric = ["psi", "ks", "js", "wasserstein", "missing_rate", "unseen_rate"]
    categorical = ["psi", "js", "chi2", "missing_rate", "unseen_rate"]
    expected = [("x", m) for m in numeric] + [("y", m) for m in numeric] + [("c", m) for m in categorical]
    assert list(map(tuple, report[["feature", "metric"]].values.tolist())) == expected
    assert (report["n_rows"] == 500).all()
    assert (report["threshold"] > report["baseline"]).all()


def test_mean_shift_alerts_distribution_metrics_of_that_feature_only(monitor: DriftMonitor) -> None:
    found = alerts(monitor.predict(make_frame(500, seed=3, loc=0.6)))
    assert {("x", "psi"), ("x", "ks"), ("x", "js"), ("x", "wasserstein")} <= found
    assert {f for f, _ in found} == {"x"}


def test_variance_change_alerts_without_a_mean_shift(monitor: DriftMonitor) -> None:
    found = alerts(monitor.predict(make_frame(500, seed=4, scale=1.8)))
    assert {("x", "psi"), ("x", "wasserstein"), ("x", "unseen_rate")} <= found
    assert {f for f, _ in found} == {"x"}


def test_new_category_alerts_unseen_rate_and_categorical_metrics(monitor: DriftMonitor) -> None:
    report = monitor.predict(make_frame(500, seed=5, new_category=0.06))
    found = alerts(report)
    assert {("c", "unseen_rate"), ("c", "chi2"), ("c", "psi")} <= found
    assert {f for f, _ in found} == {"c"}
    unseen = report[(report["feature"] == "c") & (report["metric"] == "unseen_rate")]["value"].item()
    assert 0.03 < unseen < 0.09


def test_rising_missing_rate_alerts_missing_rate_only(monitor: DriftMonitor) -> None:
    report = monitor.predict(make_frame(500, seed=6, extra_missing=0.10))
    assert alerts(report) == {("y", "missing_rate")}
    row = report[(report["feature"] == "y") & (report["metric"] == "missing_rate")].iloc[0]
    assert row["value"] > 0.1 > row["baseline"]


def test_unchanged_distribution_raises_no_alert_in_95_of_100_seeded_runs() -> None:
    quiet = 0
    for seed in range(100):
        reference = make_frame(2000, seed=1000 + seed)
        current = make_frame(500, seed=5000 + seed)
        report = DriftMonitor(seed=seed).fit(reference).predict(current)
        quiet += not report["alert"].any()
    assert quiet >= 95


def test_thresholds_scale_with_batch_size(monitor: DriftMonitor) -> None:
    small = monitor.predict(make_frame(100, seed=7)).set_index(["feature", "metric"])["threshold"]
    large = monitor.predict(make_frame(2000, seed=8)).set_index(["feature", "metric"])["threshold"]
    for metric in ("psi", "ks", "js", "wasserstein"):
        assert small[("x", metric)] > large[("x", metric)]


def test_binned_ks_is_close_to_the_exact_two_sample_statistic() -> None:
    rng = np.random.default_rng(0)
    reference, current = rng.normal(size=3000), rng.normal(0.3, 1.2, size=800)
    monitor = DriftMonitor(metrics=["ks"]).fit(pd.DataFrame({"x": reference}))
    value = monitor.predict(pd.DataFrame({"x": current}))["value"].item()
    assert value == pytest.approx(ks_2samp(reference, current).statistic, abs=0.02)


def test_no_common_columns_and_empty_frame_are_clear_errors(monitor: DriftMonitor) -> None:
    with pytest.raises(SchemaError, match=r"no common columns.*\['x', 'y', 'c'\]"):
        monitor.predict(pd.DataFrame({"other": [1.0]}))
    with pytest.raises(EmptyDataError, match="no rows"):
        monitor.predict(make_frame(10, seed=0).iloc[:0])
    with pytest.raises(SchemaError, match="column 'x' must be numeric"):
        monitor.predict(make_frame(10, seed=0).assign(x="text"))
    with pytest.raises(NotFittedError):
        DriftMonitor().predict(make_frame(10, seed=0))


def test_a_missing_column_is_reported_as_fully_missing(monitor: DriftMonitor) -> None:
    report = monitor.predict(make_frame(300, seed=9).drop(columns=["y"]))
    y = report[report["feature"] == "y"].set_index("metric")
    assert y.loc["missing_rate", "value"] == 1.0 and y.loc["missing_rate", "alert"]
    assert y.loc["ks", "value"] != y.loc["ks", "value"]


def test_bad_configuration_is_refused_before_fitting() -> None:
    frame = make_frame(100, seed=0)
    with pytest.raises(ConfigError, match="unknown metric"):
        DriftMonitor(metrics=["psi", "nope"]).fit(frame)
    with pytest.raises(ConfigError, match="multiple of bins"):
        DriftMonitor(bins=7).fit(frame)
    with pytest.raises(ConfigError, match="too few"):
        DriftMonitor(n_chunks=10).fit(frame.iloc[:15])


def test_transform_passes_data_through_and_save_load_round_trips(monitor: DriftMonitor, tmp_path) -> None:
    batch = make_frame(200, seed=10, loc=1.0)
    pd.testing.assert_frame_equal(monitor.transform(batch), batch)
    loaded = load_model(monitor.save(tmp_path / "monitor"))
    pd.testing.assert_frame_equal(loaded.predict(batch), monitor.predict(batch))


def test_contiguous_chunks_keep_time_variation_in_the_thresholds() -> None:
    drifting = pd.DataFrame({"x": np.linspace(0, 10, 2000) + np.random.default_rng(0).normal(size=2000)})
    shuffled = DriftMonitor(metrics=["ks"]).fit(drifting).predict(drifting.iloc[:400])
    contiguous = DriftMonitor(metrics=["ks"], shuffle=False).fit(drifting).predict(drifting.iloc[:400])
    assert contiguous["threshold"].item() > 3 * shuffled["threshold"].item()


def test_prediction_drift_monitor_scores_with_its_model() -> None:
    from sklearn.linear_model import LogisticRegression

    train = make_frame(2000, seed=11)
    train["label"] = (train["x"] + np.random.default_rng(1).normal(size=2000) > 0).astype(int)
    model = SklearnModel(LogisticRegression(), features=["x"], target="label").fit(train)
    monitor = PredictionDriftMonitor(model=model, columns=["proba_1"], metrics=["psi", "ks"]).fit(train)
    assert list(monitor.input_schema) == ["x", "label"] or "x" in monitor.input_schema
    assert not monitor.predict(make_frame(400, seed=12))["alert"].any()
    shifted = monitor.predict(make_frame(400, seed=12, loc=1.0))
    assert shifted["alert"].all() and set(shifted["feature"]) == {"proba_1"}
    assert monitor.clone().model is model


def test_prediction_drift_monitor_after_a_model_in_a_pipeline() -> None:
    from sklearn.linear_model import LinearRegression

    train = make_frame(2000, seed=13).assign(target=lambda d: 2 * d["x"])
    pipe = ModelPipeline(
        [
            SklearnModel(LinearRegression(), features=["x"], target="target"),
            PredictionDriftMonitor(metrics=["ks", "wasserstein"]),
        ]
    ).fit(train)
    assert not pipe.predict(make_frame(500, seed=14))["alert"].any()
    assert pipe.predict(make_frame(500, seed=14, loc=0.7))["alert"].all()


def test_prediction_drift_monitor_with_an_unfitted_model_says_what_to_do() -> None:
    from sklearn.linear_model import LinearRegression

    with pytest.raises(NotFittedError, match="pass a fitted model"):
        PredictionDriftMonitor(model=SklearnModel(LinearRegression(), target="y")).fit(make_frame(100, 0))


def test_importing_the_model_layer_does_not_load_scipy_or_report_libraries() -> None:
    code = (
        "import sys, yotml_airflow.models, yotml_airflow.models.monitoring; "
        "print(sorted(m for m in ('scipy', 'httpx', 'matplotlib', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_monitors_pass_the_conformance_checks() -> None:
    from yotml_airflow.models import check_model

    sample = make_frame(200, seed=20)
    sample["label"] = (sample["x"] > 0).astype("int64")
    sample["score"] = 1 / (1 + np.exp(-sample["x"]))
    assert len(check_model(DriftMonitor(n_chunks=4), sample)) == 13
    assert len(check_model(PredictionDriftMonitor(columns=["score"], n_chunks=4), sample)) == 13
    from yotml_airflow.models.monitoring import PerformanceMonitor

    assert len(check_model(PerformanceMonitor(prediction="label", score="score", n_chunks=4), sample)) == 13


def test_default_features_skip_identifiers_timestamps_and_excluded_columns() -> None:
    rng = np.random.default_rng(0)
    n = 400
    reference = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "snapshot": pd.date_range("2026-01-01", periods=n, freq="h"),
            "spend": rng.normal(size=n),
            "channel": rng.choice(["web", "app"], size=n),
            "churned": rng.integers(0, 2, size=n),
        }
    )
    monitor = DriftMonitor(exclude=["churned"]).fit(reference)
    assert sorted(monitor.input_schema) == ["channel", "spend"]
    report = monitor.predict(reference.assign(customer_id=[f"new{i}" for i in range(n)]))
    assert set(report["feature"]) == {"channel", "spend"}
