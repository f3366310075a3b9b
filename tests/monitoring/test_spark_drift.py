"""Spark aggregations give the pandas report (tolerance in yotml_airflow/spark/_drift.py's docstring)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.monitoring.frames import make_frame
from yotml_airflow.errors import EmptyDataError, SchemaError
from yotml_airflow.models.monitoring import DriftMonitor, PerformanceMonitor, render_report
from yotml_airflow.spark import monitor_spark, summarize_spark

pytestmark = pytest.mark.spark


def with_extras(frame: pd.DataFrame, seed: int, start: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(frame)
    return frame.assign(
        when=pd.date_range(start, periods=n, freq="37min").astype("datetime64[us]"),
        flag=rng.uniform(size=n) < 0.3,
        count=rng.poisson(3, n).astype("int64"),
    )


def test_spark_report_equals_pandas_report_for_shifted_and_unshifted_batches(spark) -> None:
    monitor = DriftMonitor().fit(with_extras(make_frame(3000, seed=1), 1, "2024-01-01"))
    for batch in (
        with_extras(make_frame(700, seed=2), 2, "2024-01-10"),
        with_extras(make_frame(700, seed=3, loc=0.5, scale=1.5, new_category=0.05, extra_missing=0.2), 3, "2024-03-01"),
    ):
        expected = monitor.predict(batch)
        got = monitor_spark(monitor, spark.createDataFrame(batch))
        pd.testing.assert_frame_equal(got, expected, rtol=1e-9, atol=1e-12)
    assert got["alert"].sum() > 5


def test_spark_summaries_feed_the_report_plots(spark, tmp_path) -> None:
    monitor = DriftMonitor(metrics=["ks"]).fit(make_frame(1000, seed=4))
    batch = make_frame(300, seed=5, loc=1.0)
    summaries = summarize_spark(monitor, spark.createDataFrame(batch))
    report = monitor.report(summaries)
    html = render_report(report, tmp_path / "r.html", monitor=monitor, current=summaries).read_text()
    assert html.count("data:image/png;base64,") == 1


def test_spark_bad_input_is_refused_with_package_errors(spark) -> None:
    monitor = DriftMonitor().fit(make_frame(500, seed=6))
    with pytest.raises(SchemaError, match="no common columns"):
        monitor_spark(monitor, spark.createDataFrame(pd.DataFrame({"other": [1.0]})))
    with pytest.raises(EmptyDataError, match="no rows"):
        monitor_spark(monitor, spark.createDataFrame(make_frame(5, seed=0)).limit(0))
    with pytest.raises(SchemaError, match="'x' must be numeric"):
        monitor_spark(monitor, spark.createDataFrame(make_frame(5, seed=0).assign(x="text")))


def test_spark_performance_metrics_agree_with_pandas(spark) -> None:
    rng = np.random.default_rng(0)
    label = rng.integers(0, 2, 4000)
    score = np.clip(0.5 + (label - 0.5) * 0.4 + rng.normal(0, 0.2, 4000), 0.0, 1.0)
    frame = pd.DataFrame({"label": label, "prediction": (score > 0.5).astype("int64"), "score": score})
    monitor = PerformanceMonitor(score="score").fit(frame.iloc[:3000])
    batch = frame.iloc[3000:]
    expected = monitor.predict(batch).set_index("metric")
    got = monitor_spark(monitor, spark.createDataFrame(batch)).set_index("metric")
    for metric in ("accuracy", "log_loss"):
        assert got.loc[metric, "value"] == pytest.approx(expected.loc[metric, "value"], rel=1e-9)
    assert got.loc["auc", "value"] == pytest.approx(expected.loc["auc", "value"], abs=5e-4)
    pd.testing.assert_series_equal(got["threshold"], expected["threshold"], rtol=1e-9)


def test_segmented_monitors_report_per_segment_on_spark(spark) -> None:
    from yotml_airflow.models import SegmentedModel

    rng = np.random.default_rng(7)
    stores = np.array([f"s{i:02d}" for i in range(12)])
    reference = pd.DataFrame({"store": np.repeat(stores, 200), "x": rng.normal(np.repeat(np.arange(12.0), 200), 1.0)})
    model = SegmentedModel(DriftMonitor(metrics=["ks", "missing_rate"]), "store").fit(reference)
    current = pd.DataFrame({"store": np.repeat(stores, 80), "x": rng.normal(np.repeat(np.arange(12.0), 80), 1.0)})
    current.loc[current["store"] == "s03", "x"] += 2.0
    expected = model.predict(current)
    got = monitor_spark(model, spark.createDataFrame(current), buckets=4)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-12)
    assert set(got.loc[got["alert"], "segment"]) == {"s03"}
    with pytest.raises(EmptyDataError):
        monitor_spark(model, spark.createDataFrame(current).limit(0))
