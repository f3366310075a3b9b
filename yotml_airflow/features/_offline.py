"""Point-in-time correct training sets on Spark (and a pandas reference implementation).

For each entity row with timestamp ``t`` and each requested view, the features are those of the
view's latest row with ``event_ts <= t`` for the same entity key, and only if
``t - event_ts <= ttl``; otherwise they are null. A value from the future is never used.

The Spark join does not compare every entity row with every feature row: it unions the entity
rows with the view's rows, sorts each entity key's rows by time (feature rows first on equal
timestamps, so "at or before" holds), and carries the latest feature row forward with a window.
That is one shuffle per view and linear in the number of rows, whatever the key skew of history.

Example (Spark session not started in doctests)::

    training = point_in_time_join(entity_sdf, "event_timestamp", view, view_sdf, ["orders_30d"])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from yotml_airflow.errors import SchemaError
from yotml_airflow.features._views import FeatureView

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_ROW = "__yotml_row"
_IS_ENTITY = "__yotml_is_entity"
_KEY = "__yotml_key"
_TS = "__yotml_ts"
_LATEST = "__yotml_latest"
_FEATURE_TS = "__yotml_feature_ts"


def _require(columns: Sequence[str], needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        raise SchemaError(f"{what} misses column(s) {missing}; it has {list(columns)}")


def point_in_time_join(
    entity_sdf: DataFrame,
    entity_timestamp: str,
    view: FeatureView,
    view_sdf: DataFrame,
    features: Sequence[str],
    output_names: Sequence[str] | None = None,
) -> DataFrame:
    """Add ``features`` of ``view`` to every entity row, as of that row's ``entity_timestamp``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    _require(entity_sdf.columns, [view.entity, entity_timestamp], "the entity frame")
    _require(view_sdf.columns, [view.entity, view.timestamp, *features], f"the source of view {view.name!r}")
    names = list(output_names or features)
    clash = [n for n in names if n in entity_sdf.columns]
    if clash:
        raise SchemaError(f"the entity frame already has column(s) {clash} that view {view.name!r} would add")

    entity_cols = entity_sdf.columns
    entities = entity_sdf.select(
        *[F.col(c) for c in entity_cols],
        F.col(view.entity).alias(_KEY),
        F.col(entity_timestamp).cast("timestamp").alias(_TS),
        F.lit(1).alias(_IS_ENTITY),
        F.lit(None).alias(_LATEST),
    )
    payload = F.struct(
        F.col(view.timestamp).cast("timestamp").alias(_FEATURE_TS),
        *[F.col(f).alias(n) for f, n in zip(features, names, strict=True)],
    )
    rows = view_sdf.select(
        F.col(view.entity).cast(entity_sdf.schema[view.entity].dataType).alias(_KEY),
        F.col(view.timestamp).cast("timestamp").alias(_TS),
        F.lit(0).alias(_IS_ENTITY),
        payload.alias(_LATEST),
    ).where(F.col(_KEY).isNotNull() & F.col(_TS).isNotNull())
    entities = entities.withColumn(_LATEST, F.lit(None).cast(rows.schema[_LATEST].dataType))
    both = entities.unionByName(rows, allowMissingColumns=True)

    window = Window.partitionBy(_KEY).orderBy(F.col(_TS), F.col(_IS_ENTITY)).rowsBetween(Window.unboundedPreceding, 0)
    carried = both.withColumn(_LATEST, F.last(F.col(_LATEST), ignorenulls=True).over(window))
    result = carried.where(F.col(_IS_ENTITY) == 1)
    fresh = F.col(f"{_LATEST}.{_FEATURE_TS}").isNotNull()
    if view.ttl is not None:
        ttl_seconds = int(view.ttl.total_seconds())
        fresh = fresh & (F.col(_TS).cast("long") - F.col(f"{_LATEST}.{_FEATURE_TS}").cast("long") <= F.lit(ttl_seconds))
    return result.select(
        *[F.col(c) for c in entity_cols],
        *[F.when(fresh, F.col(f"{_LATEST}.{n}")).alias(n) for n in names],
    )


def point_in_time_join_pandas(
    entity_df: pd.DataFrame,
    entity_timestamp: str,
    view: FeatureView,
    view_df: pd.DataFrame,
    features: Sequence[str],
    output_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The same join on pandas with ``merge_asof``: the reference the Spark join is tested against."""
    _require(list(entity_df.columns), [view.entity, entity_timestamp], "the entity frame")
    _require(list(view_df.columns), [view.entity, view.timestamp, *features], f"the source of view {view.name!r}")
    names = list(output_names or features)
    left = entity_df.reset_index(drop=True).assign(**{_ROW: range(len(entity_df))})
    left[_TS] = pd.to_datetime(left[entity_timestamp])
    right = view_df[[view.entity, view.timestamp, *features]].rename(columns=dict(zip(features, names, strict=True)))
    right = right.assign(**{_TS: pd.to_datetime(right[view.timestamp])}).drop(columns=[view.timestamp])
    right = right.dropna(subset=[view.entity, _TS])
    left = left.sort_values(_TS, kind="stable")
    right = right.sort_values(_TS, kind="stable")
    merged = pd.merge_asof(
        left,
        right,
        on=_TS,
        by=view.entity,
        direction="backward",
        allow_exact_matches=True,
        tolerance=view.ttl if view.ttl is not None else None,
    )
    return merged.sort_values(_ROW).drop(columns=[_ROW, _TS]).reset_index(drop=True)
