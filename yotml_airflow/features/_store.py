"""``FeatureStore``: feature views declared in code, offline training sets and online lookups.

Example::

    store = FeatureStore([customer_stats], online="sqlite:///.yotml/features/online.db", spark=spark)
    training = store.get_training_set(labels_sdf, ["customer_stats:orders_30d"])   # Spark, point in time
    store.materialize("customer_stats", end_time=datetime(2026, 11, 26))          # latest values online
    store.get_online_features(["c1", "c2"], ["customer_stats:orders_30d"])          # [{...}, {...}]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from yotml_airflow.errors import ConfigError, JobError
from yotml_airflow.features._offline import point_in_time_join, point_in_time_join_pandas
from yotml_airflow.features._online import OnlineStore, open_online_store
from yotml_airflow.features._views import FeatureView, resolve_features

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def default_online_uri() -> str:
    """``YOTML_ONLINE_STORE`` if set, else ``sqlite:///<YOTML_HOME or cwd>/.yotml/features/online.db``."""
    configured = os.environ.get("YOTML_ONLINE_STORE")
    if configured:
        return configured
    home = Path(os.environ.get("YOTML_HOME", os.getcwd()))
    return f"sqlite:///{home / '.yotml' / 'features' / 'online.db'}"


class FeatureStore:
    """Feature views plus an online store; offline reads run on Spark.

    Args:
        views: the feature views (names must be unique).
        online: an online store URI (``sqlite:///...``, ``redis://...``) or an ``OnlineStore``;
            default ``default_online_uri()``.
        spark: the SparkSession for offline work (created with yotml's defaults when needed).
    """

    def __init__(
        self,
        views: Sequence[FeatureView],
        online: str | OnlineStore | None = None,
        spark: SparkSession | None = None,
    ):
        names = [v.name for v in views]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"feature view names must be unique; repeated: {duplicates}")
        self.views = {v.name: v for v in views}
        self.online = open_online_store(online if online is not None else default_online_uri())
        self._spark = spark
        self._sources: dict[str, Any] = {}

    # ---- sources ------------------------------------------------------------------------------
    @property
    def spark(self) -> SparkSession:
        """The session offline reads run on (created with yotml's defaults on first use)."""
        if self._spark is None:
            from yotml_airflow.spark import get_spark

            self._spark = get_spark()
        return self._spark

    @spark.setter
    def spark(self, session: SparkSession) -> None:
        self._spark = session

    def view(self, name: str) -> FeatureView:
        """The view called ``name``; ``ConfigError`` listing the views if there is none."""
        if name not in self.views:
            raise ConfigError(f"unknown feature view {name!r}; views are {sorted(self.views)}")
        return self.views[name]

    def register_source(self, view: str, frame: DataFrame | pd.DataFrame) -> None:
        """Use ``frame`` (Spark or pandas) as the source of ``view`` instead of its ``source`` path."""
        self.view(view)
        self._sources[view] = frame

    def source(self, view: str) -> DataFrame:
        """The view's source as a Spark DataFrame."""
        spec = self.view(view)
        frame = self._sources.get(view)
        if frame is not None:
            return self.spark.createDataFrame(frame) if isinstance(frame, pd.DataFrame) else frame
        if spec.source is None:
            raise ConfigError(f"view {view!r} has no source: set source= or call register_source")
        try:
            if spec.source_format == "table":
                return self.spark.table(spec.source)
            reader = self.spark.read
            if spec.source_format == "csv":
                return reader.option("header", True).option("inferSchema", True).csv(spec.source)
            return reader.parquet(spec.source)
        except Exception as exc:
            raise JobError(f"cannot read the source of view {view!r} ({spec.source}): {exc}") from exc

    # ---- offline ------------------------------------------------------------------------------
    def get_training_set(
        self,
        entity_df: DataFrame | pd.DataFrame,
        features: Sequence[str],
        timestamp: str = "event_timestamp",
        full_names: bool = False,
    ) -> DataFrame:
        """Entity rows with the requested features as of each row's ``timestamp`` (point in time).

        Args:
            entity_df: rows with each view's entity key and ``timestamp`` (plus labels etc.).
            features: ``"view:feature"`` references (``"view:*"`` for all of a view).
            timestamp: the entity frame's timestamp column.
            full_names: name output columns ``<view>__<feature>`` instead of ``<feature>``.
        """
        wanted = resolve_features(self.views.values(), features)
        names = self._output_names(wanted, full_names)
        result = self.spark.createDataFrame(entity_df) if isinstance(entity_df, pd.DataFrame) else entity_df
        for view_name, feats in wanted.items():
            result = point_in_time_join(
                result, timestamp, self.views[view_name], self.source(view_name), feats, names[view_name]
            )
        return result

    def get_training_set_pandas(
        self,
        entity_df: pd.DataFrame,
        features: Sequence[str],
        timestamp: str = "event_timestamp",
        full_names: bool = False,
    ) -> pd.DataFrame:
        """``get_training_set`` on pandas (registered pandas sources), for notebooks and small data."""
        wanted = resolve_features(self.views.values(), features)
        names = self._output_names(wanted, full_names)
        result = entity_df
        for view_name, feats in wanted.items():
            frame = self._sources.get(view_name)
            if not isinstance(frame, pd.DataFrame):
                frame = self.source(view_name).toPandas()
            result = point_in_time_join_pandas(result, timestamp, self.views[view_name], frame, feats, names[view_name])
        return result

    def _output_names(self, wanted: dict[str, list[str]], full_names: bool) -> dict[str, list[str]]:
        names = {v: [f"{v}__{f}" if full_names else f for f in feats] for v, feats in wanted.items()}
        flat = [n for ns in names.values() for n in ns]
        clashes = sorted({n for n in flat if flat.count(n) > 1})
        if clashes:
            raise ConfigError(f"features {clashes} come from several views: pass full_names=True")
        return names

    # ---- online -------------------------------------------------------------------------------
    def materialize(self, view: str, end_time: datetime, start_time: datetime | None = None) -> int:
        """Write each entity's latest values at or before ``end_time`` to the online store.

        Values older than the view's TTL at ``end_time`` are not written. Returns the number of
        entities written. Rows are streamed from Spark partition by partition, never collected whole.
        """
        from pyspark.sql import functions as F

        spec = self.view(view)
        end = _utc(end_time)
        start = _utc(start_time) if start_time is not None else None
        if spec.ttl is not None:
            ttl_start = end - spec.ttl
            start = ttl_start if start is None or ttl_start > start else start
        if start is not None and start > end:
            raise ConfigError(f"materialize: start_time {start} is after end_time {end}")
        src = self.source(view)
        ts = F.col(spec.timestamp).cast("timestamp")
        cond = ts <= F.lit(end.replace(tzinfo=None))
        if start is not None:
            cond = cond & (ts >= F.lit(start.replace(tzinfo=None)))
        latest = (
            src.where(cond & F.col(spec.entity).isNotNull())
            .groupBy(spec.entity)
            .agg(F.max_by(F.struct(ts.alias("__ts"), *[F.col(f) for f in spec.features]), ts).alias("r"))
            .select(
                F.col(spec.entity),
                F.col("r.__ts").cast("long").alias("__ts"),
                *[F.col(f"r.{f}") for f in spec.features],
            )
        )
        written = 0
        batch: list[tuple[Any, int, dict[str, Any]]] = []
        for row in latest.toLocalIterator(prefetchPartitions=True):
            values = {f: _plain(row[f]) for f in spec.features}
            batch.append((row[spec.entity], int(row["__ts"]), values))
            if len(batch) >= 5000:
                self.online.write(view, batch)
                written += len(batch)
                batch = []
        if batch:
            self.online.write(view, batch)
            written += len(batch)
        return written

    def get_online_features(
        self, entity_keys: Sequence[Any], features: Sequence[str], full_names: bool = False
    ) -> list[dict[str, Any]]:
        """Feature values for each entity key (missing values are ``None``), in the keys' order.

        All requested views must share the entity key column.

        >>> from yotml_airflow.features import FeatureStore, FeatureView
        >>> store = FeatureStore([FeatureView(name="v", entity="k", timestamp="ts", features=["a"])],
        ...                      online="sqlite:///:memory:")
        >>> store.get_online_features(["x"], ["v:a"])
        [{'a': None}]
        """
        wanted = resolve_features(self.views.values(), features)
        names = self._output_names(wanted, full_names)
        entities = {self.views[v].entity for v in wanted}
        if len(entities) > 1:
            raise ConfigError(f"features come from views with different entity keys {sorted(entities)}")
        keys = list(entity_keys)
        rows: list[dict[str, Any]] = [{} for _ in keys]
        for view_name, feats in wanted.items():
            stored = self.online.read(view_name, keys)
            for row, values in zip(rows, stored, strict=True):
                for f, n in zip(feats, names[view_name], strict=True):
                    row[n] = values.get(f) if values else None
        return rows


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
