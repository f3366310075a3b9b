"""MaterializeFeaturesOperator: a real spark-submit of the materialize job fills the SQLite online store."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from yotml_airflow.errors import ConfigError, JobError
from yotml_airflow.features import FeatureStore, FeatureView
from yotml_airflow.operators import MaterializeFeaturesOperator

pytestmark = pytest.mark.usefixtures("spark_local_conn")


def _project(tmp_path: Path) -> Path:
    t0 = datetime(2026, 11, 1)
    pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "event_ts": [t0, t0 + timedelta(days=2), t0 + timedelta(days=1)],
            "orders_30d": [1.0, 4.0, 9.0],
        }
    ).to_parquet(tmp_path / "stats.parquet")
    (tmp_path / "feature_defs.py").write_text(
        textwrap.dedent(
            f"""
            from datetime import timedelta
            from yotml_airflow.features import FeatureStore, FeatureView

            STATS = FeatureView(name="stats", entity="customer_id", timestamp="event_ts",
                                features=["orders_30d"], source={str(tmp_path / "stats.parquet")!r},
                                ttl=timedelta(days=30))
            STORE = FeatureStore([STATS], online={f"sqlite:///{tmp_path / 'online.db'}"!r})
            """
        )
    )
    return tmp_path


def test_materialize_operator_fills_the_online_store(tmp_path: Path) -> None:
    project = _project(tmp_path)
    op = MaterializeFeaturesOperator(
        task_id="materialize",
        store="feature_defs:STORE",
        view="stats",
        end_time="2026-11-05T00:00:00",
        py_files=str(project / "feature_defs.py"),
        env_vars={"PYTHONPATH": str(project)},
    )
    result = op.execute({})
    assert result["entities"] == 2 and result["view"] == "stats"
    view = FeatureView(name="stats", entity="customer_id", timestamp="event_ts", features=["orders_30d"])
    store = FeatureStore([view], online=f"sqlite:///{project / 'online.db'}")
    assert store.get_online_features(["a", "b"], ["stats:orders_30d"]) == [{"orders_30d": 4.0}, {"orders_30d": 9.0}]


def test_materialize_errors_are_clear(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with pytest.raises(ConfigError, match=r"package\.module:NAME"):
        MaterializeFeaturesOperator(task_id="m", store="feature_defs", view="stats").execute({})
    op = MaterializeFeaturesOperator(
        task_id="m",
        store="feature_defs:STORE",
        view="nope",
        end_time="2026-11-05T00:00:00",
        env_vars={"PYTHONPATH": str(project)},
    )
    with pytest.raises(JobError, match="unknown feature view 'nope'"):
        op.execute({})
