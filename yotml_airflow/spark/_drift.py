"""Monitor a large Spark table with aggregations: the same report as pandas, never ``toPandas``.

``summarize_spark(monitor, sdf)`` reduces the table to the per-feature summaries a fitted
``DriftMonitor`` reports from (see ``yotml_airflow.models.monitoring._profile``) in two Spark jobs:

1. one ``agg``: row count, missing count per feature and out-of-reference-range count per numeric
   feature;
2. one ``groupBy(feature, bin).agg(count, sum)`` over an exploded (feature, bin, value) column:
   numeric bins come from a binary tree of ``CASE WHEN x >= edge`` on the reference quantile edges
   (the same ``[e_i, e_i+1)`` rule as ``numpy.searchsorted(..., side="right")``); categorical bins
   from a literal map of the known categories (unknown -> the unseen bin).

The driver collects at most (features x bins) rows. ``monitor_spark`` turns the summaries into the
report with the monitor's own ``report`` method, so metrics and thresholds are computed by exactly
the pandas code.

Tolerance: for ``DriftMonitor`` and ``PredictionDriftMonitor`` (without ``model``) the counts are
identical to pandas and only the per-bin sums are added in another order, so every value and
threshold agrees with ``monitor.predict(sdf.toPandas())`` within 1e-9 relative (1e-12 absolute).
For ``PerformanceMonitor``, accuracy, log loss, RMSE and MAE are exact aggregates (same 1e-9);
AUC comes from a 10,000-bin score histogram with ties inside a bin counted half, which is within
5e-4 of the exact rank AUC for scores in [0, 1] unless many scores fall within 1e-4 of each other
across classes.

Example (needs a Spark session)::

    report = monitor_spark(monitor, spark.table("scores"))
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError, EmptyDataError, SchemaError
from yotml_airflow.models import SegmentedModel
from yotml_airflow.models._schema import coerce_output
from yotml_airflow.models.monitoring import DriftMonitor, Monitor, PerformanceMonitor, PredictionDriftMonitor
from yotml_airflow.models.monitoring._profile import CategoricalProfile, NumericProfile, Summary, empty_summary

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

AUC_BINS = 10_000


def _bucket(x: Column, edges: np.ndarray, lo: int, hi: int) -> Column:
    from pyspark.sql import functions as F

    if lo == hi:
        return F.lit(lo)
    mid = (lo + hi + 1) // 2
    return F.when(x >= F.lit(float(edges[mid - 1])), _bucket(x, edges, mid, hi)).otherwise(
        _bucket(x, edges, lo, mid - 1)
    )


def _numeric(sdf: DataFrame, name: str) -> Column:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    dtype = sdf.schema[name].dataType
    col = F.col(f"`{name}`")
    if isinstance(dtype, (T.TimestampType, T.TimestampNTZType)):
        return F.unix_micros(col.cast("timestamp")) / F.lit(1e6)
    if isinstance(dtype, T.DateType):
        return F.unix_micros(col.cast("timestamp")) / F.lit(1e6)
    if isinstance(dtype, (T.NumericType, T.BooleanType)):
        return col.cast("double")
    raise SchemaError(
        f"monitor_spark: column {name!r} must be numeric (as in the reference), got {dtype.simpleString()}"
    )


def _valid(x: Column) -> Column:
    from pyspark.sql import functions as F

    return x.isNotNull() & ~F.isnan(x) & (F.abs(x) != F.lit(float("inf")))


def _check(monitor: Monitor, sdf: DataFrame) -> list[str]:
    if not isinstance(monitor, Monitor):
        raise ConfigError(f"monitor_spark: expected a fitted Monitor, got {type(monitor).__name__}")
    monitor._require_fitted()
    if isinstance(monitor, PredictionDriftMonitor) and monitor.model is not None:
        raise ConfigError(
            "monitor_spark: a PredictionDriftMonitor with model= scores its input itself; score the table first "
            "(yotml_airflow.spark.batch_transform) and monitor the prediction columns with model=None"
        )
    expected = list(monitor.input_schema_)
    present = [c for c in expected if c in sdf.columns]
    if not present:
        raise SchemaError(
            f"monitor_spark: no common columns: the monitor checks {expected}, the table has {sdf.columns}"
        )
    if not monitor.accepts_partial_input and len(present) < len(expected):
        missing = [c for c in expected if c not in sdf.columns]
        raise SchemaError(f"monitor_spark: missing required column(s) {missing}; the table has {sdf.columns}")
    return present


def summarize_spark(monitor: DriftMonitor, sdf: DataFrame) -> dict[str, Summary]:
    """Per-feature summaries of the Spark table ``sdf``, as ``monitor.summarize`` gives on pandas."""
    from pyspark.sql import functions as F

    present = set(_check(monitor, sdf))
    numeric = {f: p for f, p in monitor.profiles_.items() if f in present and isinstance(p, NumericProfile)}
    categorical = {f: p for f, p in monitor.profiles_.items() if f in present and isinstance(p, CategoricalProfile)}
    values = {f: _numeric(sdf, f) for f in numeric}
    labels = {f: F.col(f"`{f}`").cast("string") for f in categorical}
    valid = {f: _valid(x) for f, x in values.items()} | {f: c.isNotNull() for f, c in labels.items()}
    features = list(monitor.profiles_)
    aggs = [F.count(F.lit(1)).alias("n")]
    for f in numeric:
        aggs.append(F.sum(F.when(~valid[f], 1).otherwise(0)).alias(f"m{features.index(f)}"))
        out = valid[f] & ((values[f] < F.lit(numeric[f].low)) | (values[f] > F.lit(numeric[f].high)))
        aggs.append(F.sum(F.when(out, 1).otherwise(0)).alias(f"u{features.index(f)}"))
    for f in categorical:
        aggs.append(F.sum(F.when(~valid[f], 1).otherwise(0)).alias(f"m{features.index(f)}"))
    totals = sdf.agg(*aggs).first()
    assert totals is not None
    n = int(totals["n"])
    if n == 0:
        raise EmptyDataError("monitor_spark: the current table has no rows; nothing to compare")
    items = []
    for f, x in values.items():
        bucket = _bucket(x, numeric[f].edges, 0, len(numeric[f].edges))
        items.append(F.when(valid[f], F.struct(F.lit(features.index(f)).alias("f"), bucket.alias("b"), x.alias("x"))))
    for f, label in labels.items():
        profile = categorical[f]
        mapping = (
            F.create_map(*[v for i, c in enumerate(profile.categories) for v in (F.lit(c), F.lit(min(i, profile.top)))])
            if profile.categories
            else None
        )
        code = F.lit(profile.top + 1) if mapping is None else F.coalesce(mapping[label], F.lit(profile.top + 1))
        items.append(
            F.when(
                valid[f],
                F.struct(F.lit(features.index(f)).alias("f"), code.alias("b"), F.lit(None).cast("double").alias("x")),
            )
        )
    rows: list[Any] = []
    if items:
        exploded = sdf.select(F.explode(F.array(*items)).alias("i")).where(F.col("i").isNotNull())
        rows = exploded.groupBy("i.f", "i.b").agg(F.count(F.lit(1)).alias("c"), F.sum("i.x").alias("s")).collect()
    out: dict[str, Summary] = {}
    for f, profile in monitor.profiles_.items():
        summary = empty_summary(profile, n)
        if f in present:
            j = features.index(f)
            summary.n_missing = int(totals[f"m{j}"] or 0)
            if f in numeric:
                summary.n_unseen = int(totals[f"u{j}"] or 0)
        out[f] = summary
    for row in rows:
        summary = out[features[int(row["f"])]]
        summary.counts[int(row["b"])] = int(row["c"])
        if summary.sums is not None:
            summary.sums[int(row["b"])] = float(row["s"] or 0.0)
    for f in categorical:
        out[f].n_unseen = int(out[f].counts[-1])
    return out


def _performance_values(monitor: PerformanceMonitor, sdf: DataFrame) -> tuple[dict[str, float], int]:
    from pyspark.sql import functions as F

    _check(monitor, sdf)
    labelled = sdf.where(F.col(f"`{monitor.label}`").isNotNull())
    y = F.col(f"`{monitor.label}`")
    aggs = [F.count(F.lit(1)).alias("n")]
    if monitor.prediction is not None:
        pred = F.col(f"`{monitor.prediction}`")
        if monitor.task == "regression":
            err = y.cast("double") - pred.cast("double")
            aggs += [F.sqrt(F.avg(err * err)).alias("rmse"), F.avg(F.abs(err)).alias("mae")]
        else:
            aggs.append(F.avg(F.when(y == pred, 1.0).otherwise(0.0)).alias("accuracy"))
    if monitor.task == "classification" and monitor.score is not None:
        positive = F.when(y == F.lit(monitor.positive), 1.0).otherwise(0.0)
        p = F.least(F.greatest(F.col(f"`{monitor.score}`").cast("double"), F.lit(1e-15)), F.lit(1 - 1e-15))
        aggs.append(F.avg(-(positive * F.log(p) + (1 - positive) * F.log(1 - p))).alias("log_loss"))
    totals = labelled.agg(*aggs).first()
    assert totals is not None
    n = int(totals["n"])
    if n == 0:
        raise EmptyDataError("monitor_spark: the current table has no labelled rows; nothing to compare")
    values = {m: float(totals[m]) for m in monitor.metrics_ if m != "auc"}
    if "auc" in monitor.metrics_:
        values["auc"] = _auc(labelled, monitor)
    return values, n


def _auc(labelled: DataFrame, monitor: PerformanceMonitor) -> float:
    from pyspark.sql import functions as F

    positive = F.when(F.col(f"`{monitor.label}`") == F.lit(monitor.positive), 1).otherwise(0)
    score = F.col(f"`{monitor.score}`").cast("double")
    bucket = F.least(F.greatest(F.floor(score * AUC_BINS), F.lit(0)), F.lit(AUC_BINS - 1)).cast("int")
    rows = labelled.groupBy(bucket.alias("b")).agg(F.sum(positive).alias("p"), F.sum(1 - positive).alias("q")).collect()
    hist = pd.DataFrame([(r["b"], r["p"], r["q"]) for r in rows], columns=["b", "p", "q"]).sort_values("b")
    pos, neg = hist["p"].to_numpy(dtype="float64"), hist["q"].to_numpy(dtype="float64")
    if pos.sum() == 0 or neg.sum() == 0:
        return math.nan
    below = np.cumsum(neg) - neg
    return float((pos * below + 0.5 * pos * neg).sum() / (pos.sum() * neg.sum()))


def _segmented_report(model: SegmentedModel, sdf: DataFrame, buckets: int | None) -> pd.DataFrame:
    from pyspark.sql import functions as F

    from yotml_airflow.spark._segmented import (
        BUCKET,
        _check_buckets,
        _distribute,
        _executor_model,
        _grouped,
        _packed,
    )
    from yotml_airflow.spark._types import to_spark_schema

    _check_buckets(buckets)
    folder, fitted = _packed(model)
    seg = fitted.segment_col
    expected = [c for c in fitted.input_schema if c != seg]
    if seg not in sdf.columns or (expected and not any(c in sdf.columns for c in expected)):
        raise SchemaError(
            f"monitor_spark: the table needs the segment column {seg!r} and some of {expected}; it has {sdf.columns}"
        )
    if not sdf.limit(1).count():
        raise EmptyDataError("monitor_spark: the current table has no rows; nothing to compare")
    location = _distribute(sdf.sparkSession, folder, fitted, "auto")
    digest = fitted._source[1] if fitted._source else ""
    columns = list(fitted.output_columns())

    def report(pdf: pd.DataFrame) -> pd.DataFrame:
        pdf = pdf.drop(columns=[BUCKET], errors="ignore").reset_index(drop=True)
        out = _executor_model(location, digest).predict(pdf)[columns]
        return out.astype({c: object for c, d in fitted.output_columns().items() if d == "string"})

    grouped = _grouped(sdf, seg, buckets, F).applyInPandas(report, to_spark_schema(fitted.output_columns()))
    out = grouped.toArrow().to_pandas()
    return out.sort_values("segment", kind="stable").reset_index(drop=True)


def monitor_spark(monitor: Monitor | SegmentedModel, sdf: DataFrame, *, buckets: int | None = 64) -> pd.DataFrame:
    """The report of a fitted monitor on the Spark table ``sdf`` (a small pandas frame).

    Works for ``DriftMonitor``, ``PredictionDriftMonitor`` (prediction columns already in the table)
    and ``PerformanceMonitor`` by aggregation (see the module docstring for the agreement with
    pandas), and for a ``SegmentedModel`` of monitors: rows are grouped by segment (hashed into
    ``buckets`` groups, or one group per segment with ``None``) and each segment's own monitor
    reports on its rows on the executors; only the stacked reports reach the driver.
    """
    if isinstance(monitor, SegmentedModel):
        if not getattr(monitor.base, "predicts_report", False):
            raise ConfigError("monitor_spark: this SegmentedModel's base is not a monitor; use predict_segmented")
        report = _segmented_report(monitor, sdf, buckets)
        columns = monitor.output_columns()
        return coerce_output(report, columns, "monitor_spark")[list(columns)]
    if isinstance(monitor, DriftMonitor):
        report = monitor.report(summarize_spark(monitor, sdf))
    elif isinstance(monitor, PerformanceMonitor):
        _check(monitor, sdf)
        report = monitor.report_from_values(*_performance_values(monitor, sdf))
    else:
        raise ConfigError(f"monitor_spark: no Spark path for {type(monitor).__name__}")
    columns = monitor.output_columns()
    return coerce_output(report, columns, "monitor_spark")[list(columns)].reset_index(drop=True)
