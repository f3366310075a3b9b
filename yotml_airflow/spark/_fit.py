"""``fit``: train a (non-segmented) model on the driver from a Spark DataFrame, with a row limit.

The rows are optionally sampled, then counted with ``limit(max_rows + 1).count()`` -- a bounded
Spark job that never brings rows to the driver -- and only when they fit under ``max_rows`` are
they collected through Arrow into pandas and handed to ``model.fit``. Too much data is a clear
``DataTooLargeError`` instead of a driver running out of memory.

Example (needs a SparkSession, so not run as a doctest)::

    model = fit(SklearnModel(LogisticRegression(), target="churned"), spark.table("train"), sample=0.1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from yotml_airflow.errors import ConfigError, DataTooLargeError, EmptyDataError

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

    from yotml_airflow.models import Model

M = TypeVar("M", bound="Model")

DEFAULT_MAX_ROWS = 2_000_000


def collect_bounded(sdf: DataFrame, max_rows: int, what: str = "the data") -> pd.DataFrame:
    """``sdf`` as pandas, or ``DataTooLargeError`` if it has more than ``max_rows`` rows (checked first)."""
    if not isinstance(max_rows, int) or max_rows < 1:
        raise ConfigError(f"max_rows must be a positive integer, got {max_rows!r}")
    n = sdf.limit(max_rows + 1).count()
    if n > max_rows:
        raise DataTooLargeError(
            f"{what} has more than max_rows={max_rows:,} rows; sample it (sample=0.1), "
            "filter it, or raise max_rows if the driver has the memory"
        )
    from yotml_airflow.spark._types import normalize_batch

    return normalize_batch(sdf.toPandas())


def fit(model: M, sdf: DataFrame, sample: float | None = None, max_rows: int = DEFAULT_MAX_ROWS, seed: int = 0) -> M:
    """Fit ``model`` on the rows of ``sdf`` (a ``sample`` fraction of them if given); returns ``model``.

    Args:
        model: an unfitted yotml ``Model`` (fitted on the driver with pandas).
        sdf: the training data.
        sample: fraction in (0, 1] of rows to sample without replacement, or ``None`` for all.
        max_rows: the most rows to bring to the driver; more raises ``DataTooLargeError``
            before anything is collected.
        seed: the sampling seed, so a rerun trains on the same rows.
    """
    from yotml_airflow.models import Model

    if not isinstance(model, Model):
        raise ConfigError(f"fit expects a yotml Model, got {type(model).__name__}")
    if type(model).__name__ == "SegmentedModel":
        raise ConfigError("fit trains one model on the driver; fit a SegmentedModel with the segmented fit instead")
    if sample is not None:
        if not isinstance(sample, (int, float)) or not 0 < sample <= 1:
            raise ConfigError(f"sample must be a fraction in (0, 1], got {sample!r}")
        if sample < 1:
            sdf = sdf.sample(withReplacement=False, fraction=float(sample), seed=seed)
    frame = collect_bounded(sdf, max_rows, what="the training data" + (f" (sample={sample})" if sample else ""))
    if frame.empty:
        raise EmptyDataError(
            f"{type(model).__name__}: the training data has no rows" + (f" after sampling {sample}" if sample else "")
        )
    return model.fit(frame)
