"""``check_spark_parity``: a fitted model gives on Spark what it gives on pandas, dtypes included.

The check scores the same rows both ways -- ``model.predict(df)`` / ``model.transform(df)`` on
pandas, ``batch_transform`` on a Spark DataFrame made from ``df`` -- and compares the results
regardless of row order: same columns in the same order, same pandas dtypes after
``toPandas()``, same values (floats to a relative 1e-9, since BLAS may round differently for
different batch sizes).

Example (needs a SparkSession, so not run as a doctest)::

    check_spark_parity(model, df, spark)   # raises if Spark and pandas disagree
    check_model(model, df, extra_checks={"spark_parity": spark_parity_check(spark)})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from yotml_airflow.errors import ModelCheckError, YotmlError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from yotml_airflow.models import Model


def _parity_error(message: str) -> Exception:
    return ModelCheckError(message)


def expected_on_pandas(model: Model, df: pd.DataFrame, method: str) -> pd.DataFrame:
    """What ``batch_transform`` should return for ``df``: ``predict`` beside ``df``'s columns, or ``transform``."""
    if method == "transform":
        return model.transform(df)
    predicted = model.predict(df)
    kept = df[[c for c in df.columns if c not in predicted.columns]]
    return pd.concat([kept, predicted], axis=1)


def check_spark_parity(
    model: Model,
    df: pd.DataFrame,
    spark: SparkSession,
    methods: Sequence[str] = ("predict", "transform"),
    batch_size: int | None = None,
) -> list[str]:
    """Raise (``ModelCheckError``) unless ``batch_transform`` on Spark equals pandas for ``df``.

    An unfitted model is cloned and fitted on ``df`` first (so it pairs with ``check_model``).
    Methods the model does not implement on pandas (a transformer's ``predict``) are skipped;
    returns the methods that were compared.
    """
    from yotml_airflow.spark._batch import batch_transform

    df = df.reset_index(drop=True)
    if not model.is_fitted():
        model = model.clone().fit(df)
    sdf = spark.createDataFrame(df) if len(df.columns) else spark.range(len(df)).drop("id")
    checked = []
    owner = type(model).__name__
    for method in methods:
        try:
            expected = expected_on_pandas(model, df, method)
        except NotImplementedError:
            continue
        try:
            got = batch_transform(model, sdf, method=method, batch_size=batch_size).toPandas()
        except YotmlError:
            raise
        except Exception as exc:
            raise _parity_error(f"{owner}.{method} failed on Spark: {type(exc).__name__}: {exc}") from exc
        compare_frames(got, expected, f"{owner}.{method}")
        checked.append(method)
    return checked


def compare_frames(got: pd.DataFrame, expected: pd.DataFrame, owner: str) -> None:
    """Raise unless two frames hold the same rows in any order, with the same columns and dtypes."""
    if list(got.columns) != list(expected.columns):
        raise _parity_error(f"{owner}: Spark columns {list(got.columns)} != pandas columns {list(expected.columns)}")
    dtypes = {c: (str(got[c].dtype), str(expected[c].dtype)) for c in got.columns}
    wrong = {c: d for c, d in dtypes.items() if d[0] != d[1]}
    if wrong:
        raise _parity_error(f"{owner}: dtypes differ (Spark, pandas): {wrong}")
    if len(got) != len(expected):
        raise _parity_error(f"{owner}: Spark returned {len(got)} rows, pandas {len(expected)}")
    got, expected = _canonical(got), _canonical(expected)
    try:
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=0.0)
    except AssertionError as exc:
        raise _parity_error(f"{owner}: Spark and pandas values differ: {exc}") from None


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    keys = pd.DataFrame({c: frame[c].map(_key) for c in frame.columns})
    order = np.argsort(keys.agg("\x1f".join, axis=1).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _key(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT or value is pd.NA:
        return "\uffff"
    if isinstance(value, (float, np.floating)):
        return f"{value:.9g}"
    return str(value)


def spark_parity_check(spark: SparkSession, batch_size: int | None = None) -> Callable[[Model, pd.DataFrame], None]:
    """A check for ``check_model(..., extra_checks={"spark_parity": spark_parity_check(spark)})``."""

    def spark_parity(model: Model, df: pd.DataFrame) -> None:
        check_spark_parity(model, df, spark, batch_size=batch_size)

    return spark_parity
