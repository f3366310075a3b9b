"""Online materialization and lookups on SQLite and on a real Redis server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from yotml_airflow.errors import ConfigError
from yotml_airflow.features import FeatureStore, FeatureView, RedisOnlineStore, SqliteOnlineStore

T0 = datetime(2026, 1, 1)


def _store(spark, online) -> FeatureStore:
    view = FeatureView(
        name="stats", entity="customer_id", timestamp="event_ts", features=["orders", "tier"], ttl=timedelta(days=7)
    )
    store = FeatureStore([view], online=online, spark=spark)
    store.register_source(
        "stats",
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "b", "c", "a"],
                "event_ts": [
                    T0,
                    T0 + timedelta(days=3),
                    T0 + timedelta(days=1),
                    T0 - timedelta(days=30),
                    T0 + timedelta(days=9),
                ],
                "orders": [1, 2, 7, 4, 99],
                "tier": ["x", "y", None, "z", "future"],
            }
        ),
    )
    return store


@pytest.fixture(params=["sqlite", "redis"])
def online(request, tmp_path):
    if request.param == "sqlite":
        store = SqliteOnlineStore(tmp_path / "online.db")
    else:
        store = RedisOnlineStore(request.getfixturevalue("redis_url"), prefix=f"t{id(request)}")
    yield store
    store.close()


def test_materialize_then_lookup(spark, online) -> None:
    store = _store(spark, online)
    written = store.materialize("stats", end_time=T0 + timedelta(days=4))
    assert written == 2  # c is older than the 7-day ttl; a's day-9 row is after end_time
    rows = store.get_online_features(["a", "b", "c", "zz"], ["stats:orders", "stats:tier"])
    assert rows == [
        {"orders": 2, "tier": "y"},
        {"orders": 7, "tier": None},
        {"orders": None, "tier": None},
        {"orders": None, "tier": None},
    ]


def test_older_materialization_never_overwrites_newer(spark, online) -> None:
    store = _store(spark, online)
    store.materialize("stats", end_time=T0 + timedelta(days=10))
    store.materialize("stats", end_time=T0 + timedelta(days=2))
    assert store.get_online_features(["a"], ["stats:orders"]) == [{"orders": 99}]


def test_online_errors(tmp_path) -> None:
    store = FeatureStore(
        [FeatureView(name="v", entity="k", timestamp="ts", features=["a"])], online=f"sqlite:///{tmp_path}/o.db"
    )
    with pytest.raises(ConfigError, match="has no feature"):
        store.get_online_features(["x"], ["v:b"])
    with pytest.raises(ConfigError, match="unsupported online store"):
        FeatureStore([], online="mongodb://x")
    with pytest.raises(ConfigError, match="after end_time"):
        store.materialize("v", end_time=T0, start_time=T0 + timedelta(days=1))
