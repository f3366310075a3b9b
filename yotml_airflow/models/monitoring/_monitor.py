"""``Monitor``: a model whose ``predict`` returns a report, one row per checked (feature, metric).

A monitor is "trained" on reference data: it learns what each metric looks like when nothing has
changed and a threshold for it. Its "prediction" is a report on a new batch. Unlike other models,
the report's rows are not the input's rows, so ``Monitor`` redefines three parts of the contract:

- ``predict(df)`` returns the report (``REPORT_COLUMNS``, a fresh ``RangeIndex``), never an
  input-indexed frame; an empty batch is an ``EmptyDataError`` (there is nothing to compare).
- ``transform(df)`` returns ``df`` unchanged: a monitor adds no columns, so it may sit anywhere in
  a pipeline without altering the data flowing through it.
- the input check needs at least one monitored column (``SchemaError`` naming both column lists
  otherwise); drift monitors accept a batch missing some columns and report them as 100% missing.

``predicts_report = True`` tells generic code (conformance checks, ``SegmentedModel``) that the
output index is the report's, and that the report's ``segment`` column may be filled by the caller.

Example:
    >>> import pandas as pd
    >>> from yotml_airflow.models.monitoring import DriftMonitor
    >>> ref = pd.DataFrame({"x": range(100)})
    >>> report = DriftMonitor(metrics=["missing_rate"]).fit(ref).predict(pd.DataFrame({"x": [None] * 10}))
    >>> report[["feature", "metric", "value", "alert"]].to_dict("records")
    [{'feature': 'x', 'metric': 'missing_rate', 'value': 1.0, 'alert': True}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import pandas as pd

from yotml_airflow.errors import EmptyDataError, SchemaError
from yotml_airflow.models._base import Model
from yotml_airflow.models._schema import check_input, coerce_output

REPORT_COLUMNS: dict[str, str] = {
    "segment": "string",
    "feature": "string",
    "metric": "string",
    "value": "float64",
    "threshold": "float64",
    "alert": "bool",
    "bound": "string",
    "baseline": "float64",
    "n_rows": "int64",
}


class Monitor(Model):
    """Base class of monitors: ``fit`` learns thresholds, ``predict`` returns a report frame."""

    predicts_report: ClassVar[bool] = True
    accepts_partial_input: ClassVar[bool] = False

    def output_columns(self) -> dict[str, str]:
        """The report columns (``REPORT_COLUMNS``)."""
        return dict(REPORT_COLUMNS)

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        """A monitor adds no columns: the schema passes through."""
        return dict(schema)

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` unchanged (a copy): monitoring does not alter the data."""
        self._check(df, "transform")
        return df.copy()

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """The report on batch ``df``: one row per (feature, metric) with value, threshold and alert."""
        self._check(df, "predict")
        if len(df) == 0:
            raise EmptyDataError(f"{type(self).__name__}.predict: the current frame has no rows; nothing to compare")
        columns = self.output_columns()
        out = coerce_output(self._predict(df), columns, f"{type(self).__name__}.predict")[list(columns)]
        return out.reset_index(drop=True)

    def _check(self, df: pd.DataFrame, method: str) -> None:
        self._require_fitted()
        owner = f"{type(self).__name__}.{method}"
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"{owner}: expected a pandas DataFrame, got {type(df).__name__}")
        expected = list(self.input_schema_)
        present = {c: k for c, k in self.input_schema_.items() if c in df.columns}
        if expected and not present:
            raise SchemaError(
                f"{owner}: no common columns: the monitor checks {expected}, the frame has {list(df.columns)}"
            )
        check_input(df, present if self.accepts_partial_input else self.input_schema_, owner)


def report_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A report frame with ``REPORT_COLUMNS`` from row dicts (missing keys become NA)."""
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
