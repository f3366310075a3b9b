"""``score_or_reject``: ``batch_transform`` for a stream that carries its own rejects.

Each input row either has a null ``reason`` (score it) or a reason already (it failed decoding;
pass it through unscored). The model runs exactly as in ``batch_transform`` (broadcast once,
cached per Python worker, ``mapInPandas`` on merged Arrow batches); when it raises on a batch,
the worker re-scores that batch in chunks and row by row (``predict_isolating``) and gives each
record it rejects the reason ``model error: ...``. One pass, no extra Spark job: the result holds
every input row once, scored or with its reason, so a single sink can route both.

Example (needs a SparkSession, so not run as a doctest)::

    routed = score_or_reject(model, decoded, keep_columns=["_src_key"], reason_column="_reason")
    predictions = routed.where("_reason IS NULL")
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from yotml_airflow.errors import SchemaError
from yotml_airflow.spark import _batch
from yotml_airflow.spark._isolate import predict_isolating
from yotml_airflow.spark._ship import broadcast_model
from yotml_airflow.spark._types import check_spark_input, normalize_batch

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame

    from yotml_airflow.models import Model


def score_or_reject(
    model: Model,
    sdf: DataFrame,
    keep_columns: Sequence[str],
    reason_column: str,
    isolate_max_rows: int = 100_000,
    batch_size: int | None = None,
) -> DataFrame:
    """``keep_columns`` + the model's outputs + ``reason_column``, one row per input row.

    Rows whose ``reason_column`` is null are scored; the others come back with null outputs and
    their reason. A model error on a batch of at most ``isolate_max_rows`` rows is isolated to
    the records that cause it; on a larger batch (or with ``isolate_max_rows=0``) it fails the job.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    owner = f"{type(model).__name__}.predict on a stream"
    if reason_column not in sdf.columns:
        raise SchemaError(f"{owner}: the reason column {reason_column!r} is not in {sdf.columns}")
    required = model.input_schema
    check_spark_input(sdf.schema, required, owner)
    keep = [c for c in keep_columns if c != reason_column]
    columns = _batch.input_columns(sdf, required, [*keep, reason_column], owner)
    source = sdf.select(*columns)
    scored = _batch.output_schema(model, source.schema, "predict", keep, owner)
    schema = StructType([*scored.fields, StructField(reason_column, StringType(), nullable=True)])
    outputs = list(model.output_columns())
    key, payload = broadcast_model(sdf.sparkSession, model)
    func = functools.partial(
        _score_or_reject_partition,
        key=key,
        payload=payload,
        keep=[c for c in keep if c not in outputs],
        outputs=outputs,
        reason=reason_column,
        isolate_max_rows=isolate_max_rows,
        batch_size=batch_size,
        auto_size=(_batch.AUTO_BATCH_ROWS, _batch.AUTO_BATCH_BYTES),
    )
    return source.mapInPandas(func, schema)


def _score_or_reject_partition(
    batches: Iterator[pd.DataFrame],
    *,
    key: str,
    payload: Broadcast[bytes],
    keep: list[str],
    outputs: list[str],
    reason: str,
    isolate_max_rows: int,
    batch_size: int | None,
    auto_size: tuple[int, int],
) -> Iterator[pd.DataFrame]:
    for model, batch in _batch.model_batches(batches, key, payload, batch_size, auto_size):
        reasons = batch[reason].astype(object)
        scorable = reasons.isna()
        predicted: pd.DataFrame | None = None
        if scorable.any():
            inputs = normalize_batch(batch if scorable.all() else batch[scorable])
            try:
                predicted = model.predict(inputs)
            except Exception:
                if len(inputs) > isolate_max_rows:
                    raise
                predicted, failed = predict_isolating(model, inputs)
                for index, why in failed.items():
                    reasons.at[index] = why
        data: dict[str, Any] = {c: batch[c] for c in keep}
        for col in outputs:
            data[col] = (
                predicted[col].reindex(batch.index)
                if predicted is not None and len(predicted)
                else pd.Series(None, index=batch.index, dtype=object)
            )
        data[reason] = reasons
        yield pd.DataFrame(data, index=batch.index)
