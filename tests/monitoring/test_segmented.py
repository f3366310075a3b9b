"""Monitors inside SegmentedModel: each segment has its own thresholds; reports name the segment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yotml_airflow.errors import SegmentError
from yotml_airflow.models import SegmentedModel
from yotml_airflow.models.monitoring import DriftMonitor, LogNotifier, alerts_from_report


def stores(n: int, seed: int, b_loc: float = 5.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "store": np.repeat(["A", "B"], n),
            "x": np.concatenate([rng.normal(0, 1, n), rng.normal(b_loc, 1, n)]),
            "c": rng.choice(["u", "v"], 2 * n),
        }
    )


def test_one_stores_normal_is_another_stores_alert() -> None:
    model = SegmentedModel(DriftMonitor(metrics=["psi", "ks", "missing_rate"]), "store", fallback="error").fit(
        stores(1500, seed=0)
    )
    current = stores(400, seed=1)
    current.loc[current["store"] == "A", "x"] = np.random.default_rng(2).normal(5, 1, 400)
    report = model.predict(current)
    assert list(report["segment"].unique()) == ["A", "B"]
    alerting = set(map(tuple, report.loc[report["alert"], ["segment", "feature"]].drop_duplicates().values.tolist()))
    assert alerting == {("A", "x")}
    alerts = alerts_from_report(report, model="churn", version=2)
    assert {a.segment for a in alerts} == {"A"} and all(a.version == "2" for a in alerts)


def test_per_segment_thresholds_match_a_per_segment_loop() -> None:
    reference, current = stores(1000, seed=3), stores(300, seed=4, b_loc=5.5)
    model = SegmentedModel(DriftMonitor(), "store").fit(reference)
    report = model.predict(current)
    for store in ("A", "B"):
        alone = DriftMonitor().fit(reference[reference["store"] == store].drop(columns=["store"]))
        expected = alone.predict(current[current["store"] == store].drop(columns=["store"]))
        got = report[report["segment"] == store].drop(columns=["segment"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected.drop(columns=["segment"]))


def test_unseen_segment_uses_the_fallback_or_is_refused() -> None:
    reference = stores(500, seed=5)
    current = stores(200, seed=6).replace({"store": {"B": "C"}})
    report = SegmentedModel(DriftMonitor(metrics=["ks"]), "store").fit(reference).predict(current)
    assert set(report["segment"]) == {"A", "C"}
    strict = SegmentedModel(DriftMonitor(metrics=["ks"]), "store", fallback="error").fit(reference)
    with pytest.raises(SegmentError, match="'C'"):
        strict.predict(current)


def test_log_notifier_names_the_segment(caplog: pytest.LogCaptureFixture) -> None:
    model = SegmentedModel(DriftMonitor(metrics=["ks"]), "store").fit(stores(800, seed=7))
    current = stores(300, seed=8, b_loc=7.0)
    with caplog.at_level("WARNING", logger="yotml_airflow.alerts"):
        sent = LogNotifier().notify(model.predict(current), model="churn", version=4)
    assert [a.segment for a in sent] == ["B"]
    assert "churn v4 [segment B]: x ks" in caplog.text
