"""When a micro-batch's scoring fails: find the records the model rejects and dead-letter only those.

A record can pass decoding and still make the model raise (a null in a feature an estimator
cannot take, an unseen category under an ``"error"`` policy). Rather than stop the query, the
runner re-scores that micro-batch on the driver with the same ``model.predict``: in chunks, then
row by row inside a failing chunk, so every record ends either scored or in the dead-letter topic
with ``model error: <exception>``. Only micro-batches of at most ``max_rows`` records are isolated
(cap them with ``max_offsets_per_trigger``); a larger one, or a failure that does not come from the
model (the batch scores fine on the driver), re-raises the original error.

Example:
    >>> import pandas as pd
    >>> from yotml_airflow.models import Model
    >>> class Inverse(Model):
    ...     def _fit(self, df): pass
    ...     def output_columns(self): return {"inv": "float64"}
    ...     def _predict(self, df):
    ...         if (df["x"] == 0).any(): raise ZeroDivisionError("x is 0")
    ...         return pd.DataFrame({"inv": 1 / df["x"]}, index=df.index)
    >>> model = Inverse().fit(pd.DataFrame({"x": [1.0]}))
    >>> scored, failed = predict_isolating(model, pd.DataFrame({"x": [1.0, 0.0, 2.0]}), chunk=2)
    >>> list(scored["inv"]), failed
    ([1.0, 0.5], {1: 'model error: ZeroDivisionError: x is 0'})
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from yotml_airflow.errors import JobError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from yotml_airflow.models import Model


def predict_isolating(model: Model, df: pd.DataFrame, chunk: int = 1000) -> tuple[pd.DataFrame, dict[int, str]]:
    """``model.predict`` over ``df`` in chunks, row by row where a chunk fails.

    Returns ``(predictions of the rows that scored, with their index; {index: reason} of the rest)``.
    """
    parts: list[pd.DataFrame] = []
    failed: dict[int, str] = {}
    for start in range(0, len(df), chunk):
        part = df.iloc[start : start + chunk]
        try:
            parts.append(model.predict(part))
            continue
        except Exception:
            pass
        for i in range(len(part)):
            row = part.iloc[i : i + 1]
            try:
                parts.append(model.predict(row))
            except Exception as exc:
                failed[row.index[0]] = (
                    f"model error: {type(exc).__name__}: {str(exc).splitlines()[0][:500] if str(exc) else ''}"
                )
    columns = list(model.output_columns())
    scored = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    return scored, failed


def isolate_micro_batch(
    good: DataFrame, model: Model, keep: list[str], max_rows: int, error: BaseException
) -> tuple[DataFrame, DataFrame, int, int]:
    """Re-score ``good`` (decoded rows) on the driver: ``(scored rows, rejected rows with _reason, counts of both)``.

    ``scored`` has the columns ``batch_transform`` would give (source columns, ``keep`` and the
    outputs); ``rejected`` has the decoded columns and ``_reason``. Re-raises ``error`` (as
    ``JobError``) when the batch is too large or every row scores on the driver.
    """
    from pyspark.sql import types as T

    from yotml_airflow.spark._kafka_codec import REASON
    from yotml_airflow.spark._types import spark_type

    rows = good.limit(max_rows + 1).toPandas()
    if len(rows) > max_rows:
        raise JobError(
            f"scoring a micro-batch failed and it has more than {max_rows} rows to isolate: {error}"
        ) from error
    inputs = list(model.input_schema)
    scored, failed = predict_isolating(model, rows[inputs])
    if not failed:
        raise JobError(f"scoring a micro-batch failed, but not because of the model: {error}") from error
    session = good.sparkSession
    source_cols = ["_src_key", "_src_topic", "_src_partition", "_src_offset", "_src_timestamp"]
    fields = {f.name: f for f in good.schema.fields}
    kept = rows.loc[scored.index, [*source_cols, *keep]]
    out_schema = T.StructType(
        [fields[c] for c in [*source_cols, *keep]]
        + [T.StructField(c, spark_type(d), True) for c, d in model.output_columns().items()]
    )
    scored_frame = pd.concat([kept, scored], axis=1) if len(scored) else pd.DataFrame(columns=out_schema.fieldNames())
    scored_sdf = (
        session.createDataFrame(scored_frame, schema=out_schema)
        if len(scored)
        else session.createDataFrame([], out_schema)
    )
    rejected = rows.loc[list(failed)].copy()
    rejected[REASON] = [failed[i] for i in rejected.index]
    rejected_sdf = session.createDataFrame(rejected[good.schema.fieldNames()], schema=good.schema)
    return scored_sdf, rejected_sdf, len(scored), len(rejected)
