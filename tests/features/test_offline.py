"""Point-in-time training sets: built to catch leakage from the future and stale values."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.features import FeatureStore, FeatureView

T0 = datetime(2026, 1, 1)


def _view(ttl: timedelta | None = timedelta(days=10)) -> FeatureView:
    return FeatureView(name="stats", entity="customer_id", timestamp="event_ts", features=["orders", "spend"], ttl=ttl)


def _history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "event_ts": [
                T0,
                T0 + timedelta(days=5),
                T0 + timedelta(days=20),
                T0 + timedelta(days=2),
                T0 + timedelta(days=3),
            ],
            "orders": [1.0, 2.0, 3.0, 10.0, np.nan],
            "spend": [5.0, 6.0, 7.0, 50.0, 60.0],
        }
    )


def _entities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
            "event_timestamp": [
                T0 - timedelta(days=1),  # before any feature: nothing
                T0 + timedelta(days=5),  # exactly at a feature row: that row counts
                T0 + timedelta(days=19),  # 14 days after the last row <= t: older than ttl -> null
                T0 + timedelta(days=21),  # the day-20 row, never the future
                T0 + timedelta(days=2, hours=12),
                T0 + timedelta(days=4),  # latest row has a null orders: stays null, not backfilled
                T0 + timedelta(days=4),  # unknown entity
            ],
            "label": [0, 1, 0, 1, 0, 1, 0],
        }
    )


EXPECTED_ORDERS = [None, 2.0, None, 3.0, 10.0, None, None]
EXPECTED_SPEND = [None, 6.0, None, 7.0, 50.0, 60.0, None]


def _as_list(series: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in series]


def test_pandas_reference_is_point_in_time_correct() -> None:
    store = FeatureStore([_view()], online="sqlite:///:memory:")
    store.register_source("stats", _history())
    out = store.get_training_set_pandas(_entities(), ["stats:orders", "stats:spend"])
    assert _as_list(out["orders"]) == EXPECTED_ORDERS
    assert _as_list(out["spend"]) == EXPECTED_SPEND
    assert out["label"].tolist() == _entities()["label"].tolist()


def test_spark_join_matches_and_never_leaks(spark) -> None:
    store = FeatureStore([_view()], online="sqlite:///:memory:", spark=spark)
    store.register_source("stats", _history())
    entities = _entities().assign(row=range(7))
    out = store.get_training_set(entities, ["stats:*"]).toPandas().sort_values("row")
    assert _as_list(out["orders"]) == EXPECTED_ORDERS
    assert _as_list(out["spend"]) == EXPECTED_SPEND
    assert len(out) == len(entities)


def test_spark_equals_pandas_on_random_history(spark) -> None:
    rng = np.random.default_rng(7)
    n_hist, n_ent = 3000, 800
    history = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 50, n_hist).astype(str),
            "event_ts": pd.Timestamp(T0) + pd.to_timedelta(rng.permutation(n_hist) * 600, unit="s"),
            "orders": rng.normal(size=n_hist),
            "spend": rng.normal(size=n_hist),
        }
    )
    entities = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 60, n_ent).astype(str),
            "event_timestamp": pd.Timestamp(T0) + pd.to_timedelta(rng.integers(0, n_hist * 600, n_ent) + 1, unit="s"),
            "row": range(n_ent),
        }
    )
    view = _view(ttl=timedelta(hours=12))
    store = FeatureStore([view], online="sqlite:///:memory:", spark=spark)
    store.register_source("stats", history)
    expected = store.get_training_set_pandas(entities, ["stats:orders"]).sort_values("row")
    got = store.get_training_set(entities, ["stats:orders"]).toPandas().sort_values("row")
    np.testing.assert_allclose(got["orders"].to_numpy(float), expected["orders"].to_numpy(float), equal_nan=True)
    assert expected["orders"].notna().sum() > 100
    assert expected["orders"].isna().sum() > 10
    merged = entities.merge(history, on="customer_id")
    used = got.merge(history, left_on=["customer_id", "orders"], right_on=["customer_id", "orders"])
    assert (used["event_ts"] <= used["event_timestamp"]).all()
    assert len(merged) > 0


def test_bad_requests_are_clear(spark) -> None:
    store = FeatureStore([_view()], online="sqlite:///:memory:", spark=spark)
    store.register_source("stats", _history())
    with pytest.raises(ConfigError, match="has no feature"):
        store.get_training_set(_entities(), ["stats:nope"])
    with pytest.raises(ConfigError, match="views are"):
        store.get_training_set(_entities(), ["other:orders"])
    with pytest.raises(SchemaError, match="event_timestamp"):
        store.get_training_set(_entities().drop(columns=["event_timestamp"]), ["stats:orders"])
    with pytest.raises(ConfigError, match="must be an identifier"):
        FeatureView(name="bad name", entity="k", timestamp="ts", features=["a"])
    with pytest.raises(ConfigError, match="unique"):
        FeatureStore([_view(), _view()], online="sqlite:///:memory:")
