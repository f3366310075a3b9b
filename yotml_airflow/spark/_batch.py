"""``batch_transform``: score a fitted model on a Spark DataFrame, batch by batch, in the executors.

How it works: the model is resolved and checked on the driver (its ``input_schema_`` against the
Spark schema), its output schema is built from its declared columns (never by running it), the
model's bytes are broadcast once, and ``mapInPandas`` feeds Arrow batches to ``predict`` or
``transform`` inside each Python worker, which unpickles the model once and caches it.

Columns:
- ``predict``: the output is ``keep_columns`` followed by the model's ``output_columns()``.
  ``keep_columns=None`` keeps every input column (what ``withColumn`` scoring gives: IDs and
  features come back beside the predictions); pass ``["id"]`` to return only IDs and predictions,
  which also sends fewer columns through Arrow. An output column replaces a kept column of the
  same name.
- ``transform``: the output is what the model's ``transform_schema`` declares for the input
  columns (all of them, or ``keep_columns`` plus the columns the model reads). Columns the model
  passes through unchanged keep their exact Spark type.

Types: integer columns with nulls reach the model as ``float64`` with NaN (as ``toPandas()``
gives them), strings as pandas' string dtype, timestamps as ``datetime64[us]``; nulls in the
model's output come back as Spark nulls.

Example (needs a SparkSession, so not run as a doctest)::

    scored = batch_transform("models:/churn@champion", spark.table("customers"), keep_columns=["customer_id"])
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.spark._ship import broadcast_model, resolve_model, worker_model
from yotml_airflow.spark._types import check_spark_input, normalize_batch, spark_dtypes, spark_type

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

    from yotml_airflow.models import Model

METHODS = ("predict", "transform")
AUTO_BATCH_ROWS = 50_000
AUTO_BATCH_BYTES = 64 * 1024 * 1024


def batch_transform(
    model: Model | str | os.PathLike[str],
    sdf: DataFrame,
    method: str = "predict",
    keep_columns: Sequence[str] | None = None,
    batch_size: int | None = None,
) -> DataFrame:
    """Score ``model`` on ``sdf`` in the executors; a lazy Spark DataFrame with the declared schema.

    Args:
        model: a fitted ``Model``, a saved model folder, or an MLflow URI (``models:/...``, ``runs:/...``).
        sdf: the input Spark DataFrame.
        method: ``"predict"`` (kept columns + the model's outputs) or ``"transform"``.
        keep_columns: input columns to pass through; ``None`` keeps them all (see the module doc).
        batch_size: rows per call of the model. ``None`` merges Spark's Arrow batches
            (``spark.sql.execution.arrow.maxRecordsPerBatch``: 10,000 rows in Spark, 50,000 in
            ``get_spark``'s session) into calls of about 50,000 rows or 64 MiB, whichever comes
            first: models with a fixed cost per call (scikit-learn ensembles pay for joblib and
            per-tree dispatch) run up to 1.4x faster.

    Raises ``SchemaError`` on the driver, before any job, when a column the model needs is
    missing or of the wrong type.
    """
    if method not in METHODS:
        raise ConfigError(f"batch_transform: method must be one of {list(METHODS)}, got {method!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ConfigError(f"batch_transform: batch_size must be a positive integer, got {batch_size!r}")
    fitted = resolve_model(model)
    name = f"{type(fitted).__name__}.{method} on Spark"
    required = fitted.input_schema
    check_spark_input(sdf.schema, required, name)
    columns = input_columns(sdf, required, keep_columns, name)
    source = sdf.select(*columns) if columns != list(sdf.columns) else sdf
    schema = output_schema(fitted, source.schema, method, keep_columns, name)
    key, payload = broadcast_model(sdf.sparkSession, fitted)
    func = functools.partial(
        _score_partition,
        key=key,
        payload=payload,
        method=method,
        columns=schema.fieldNames(),
        keep=[c for c in (keep_columns if keep_columns is not None else columns) if c in columns],
        batch_size=batch_size,
        auto_size=(AUTO_BATCH_ROWS, AUTO_BATCH_BYTES),
    )
    return source.mapInPandas(func, schema)


def input_columns(sdf: DataFrame, required: dict[str, str], keep: Sequence[str] | None, owner: str) -> list[str]:
    """The columns of ``sdf`` to send to the model: all of them, or ``keep`` plus the ``required`` inputs."""
    if keep is None:
        return list(sdf.columns)
    if isinstance(keep, str):
        raise ConfigError(f"{owner}: keep_columns must be a list of column names, not the string {keep!r}")
    missing = [c for c in keep if c not in sdf.columns]
    if missing:
        raise SchemaError(f"{owner}: keep_columns {missing} are not in the Spark DataFrame {list(sdf.columns)}")
    wanted = set(keep) | set(required)
    return [c for c in sdf.columns if c in wanted]


def output_schema(model: Model, source: StructType, method: str, keep: Sequence[str] | None, owner: str) -> StructType:
    """The Spark schema of ``method``'s output, from the model's declared columns (never by running it)."""
    from pyspark.sql.types import StructField, StructType

    fields = {f.name: f for f in source.fields}
    if method == "predict":
        outputs = model.output_columns()
        kept = [c for c in (keep if keep is not None else list(fields)) if c not in outputs]
        declared = {c: "" for c in kept} | dict(outputs)
    else:
        declared = model.transform_schema(spark_dtypes(source))
    input_dtypes = spark_dtypes(source)
    out = []
    for col, dtype in declared.items():
        if col in fields and (dtype == "" or dtype == input_dtypes[col]):
            out.append(fields[col])
        else:
            try:
                out.append(StructField(col, spark_type(dtype), nullable=True))
            except SchemaError as exc:
                raise SchemaError(f"{owner}: output column {col!r}: {exc}") from None
    return StructType(out)


def rechunk(
    batches: Iterator[pd.DataFrame], size: int | None, auto_size: tuple[int, int] = (AUTO_BATCH_ROWS, AUTO_BATCH_BYTES)
) -> Iterator[pd.DataFrame]:
    """Batches of exactly ``size`` rows (the last one shorter); ``None`` merges into ``auto_size`` (rows, bytes)."""
    if size is None:
        yield from _merge_to_auto_size(batches, *auto_size)
        return
    pending: list[pd.DataFrame] = []
    rows = 0
    for batch in batches:
        pending.append(batch)
        rows += len(batch)
        while rows >= size:
            whole = _concat(pending)
            if len(whole) == size:
                pending, rows = [], 0
                yield whole
                break
            yield whole.iloc[:size].reset_index(drop=True)
            rest = whole.iloc[size:]
            pending, rows = ([rest] if len(rest) else []), len(rest)
    if rows:
        yield _concat(pending)


def _merge_to_auto_size(batches: Iterator[pd.DataFrame], max_rows: int, max_bytes: int) -> Iterator[pd.DataFrame]:
    """Whole Spark batches merged until they reach ``max_rows`` rows or ``max_bytes`` bytes."""
    pending: list[pd.DataFrame] = []
    rows = nbytes = 0
    for batch in batches:
        if not len(batch):
            continue
        pending.append(batch)
        rows += len(batch)
        nbytes += int(batch.memory_usage(index=False).sum())
        if rows >= max_rows or nbytes >= max_bytes:
            yield _concat(pending)
            pending, rows, nbytes = [], 0, 0
    if pending:
        yield _concat(pending)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def model_batches(
    batches: Iterator[pd.DataFrame],
    key: str,
    payload: Broadcast[bytes],
    batch_size: int | None,
    auto_size: tuple[int, int],
) -> Iterator[tuple[Any, pd.DataFrame]]:
    """``(model, batch)`` for each non-empty rechunked batch; the model is fetched on the first one."""
    model: Any = None
    for batch in rechunk(batches, batch_size, auto_size):
        if len(batch) == 0:
            continue
        if model is None:
            model = worker_model(key, payload)
        yield model, batch


def _score_partition(
    batches: Iterator[pd.DataFrame],
    *,
    key: str,
    payload: Broadcast[bytes],
    method: str,
    columns: list[str],
    keep: list[str],
    batch_size: int | None,
    auto_size: tuple[int, int],
) -> Iterator[pd.DataFrame]:
    for model, batch in model_batches(batches, key, payload, batch_size, auto_size):
        batch = normalize_batch(batch)
        if method == "predict":
            predicted = model.predict(batch)
            data = {c: batch[c] for c in keep if c not in predicted.columns}
            data.update({c: predicted[c] for c in predicted.columns})
            out = pd.DataFrame(data, index=batch.index)
        else:
            out = model.transform(batch)
        yield out if list(out.columns) == columns else out[columns]
