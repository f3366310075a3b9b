"""Encoders that learn a number per category: its frequency, or its smoothed mean target.

Useful for high-cardinality categories (store, country, product) where one-hot is too wide.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"country": ["US", "US", "FR", "FR"], "churned": [1, 1, 0, 1]})
    >>> TargetEncoder(columns=["country"], target="churned", smoothing=0).fit(df).predict(df)[
    ...     "country_target_mean"].tolist()
    [1.0, 1.0, 0.5, 0.5]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models._columns import ColumnModel, check_new_columns


class FrequencyEncoder(ColumnModel):
    """Add ``<column>_freq``: the share of training rows with that category (unseen and null -> 0).

    Args:
        columns: string columns; ``None`` means every string column.

    Example:
        >>> import pandas as pd
        >>> m = FrequencyEncoder().fit(pd.DataFrame({"c": ["a", "a", "b", None]}))
        >>> m.transform(pd.DataFrame({"c": ["a", "z"]}))["c_freq"].tolist()
        [0.5, 0.0]
    """

    accepts = ("string",)

    def __init__(self, columns: Sequence[str] | None = None):
        self.columns = columns

    def _fit(self, df: pd.DataFrame) -> None:
        self.columns_ = self._select(df)
        self.frequencies_ = {
            c: _as_dict(df[c].astype(str).where(df[c].notna()).value_counts() / len(df)) for c in self.columns_
        }
        check_new_columns("FrequencyEncoder", list(self.output_columns()), list(df.columns))

    def output_columns(self) -> dict[str, str]:
        return {f"{c}_freq": "float64" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in self.columns_:
            out[f"{c}_freq"] = _lookup(df[c], self.frequencies_[c], 0.0)
        return out


class TargetEncoder(ColumnModel):
    """Add ``<column>_target_mean``: the mean of a numeric ``target`` per category, smoothed to the prior.

    ``(sum + smoothing * prior) / (count + smoothing)``, where ``prior`` is the overall target mean;
    unseen and null categories get the prior. The target is read at fit only, so ``predict`` needs
    just the category columns. Fit it on other rows than the downstream model (or keep
    ``smoothing`` large) to limit target leakage.

    Args:
        columns: string columns; ``None`` means every string column.
        target: the numeric label column (e.g. ``churned`` 0/1).
        smoothing: weight of the prior, in rows.
    """

    accepts = ("string",)

    def __init__(self, columns: Sequence[str] | None = None, target: str = "target", smoothing: float = 10.0):
        self.columns = columns
        self.target = target
        self.smoothing = smoothing

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return [c for c in super().input_columns(df) if c != self.target]

    def _fit(self, df: pd.DataFrame) -> None:
        if self.target not in df.columns:
            raise SchemaError(
                f"TargetEncoder.fit: target column {self.target!r} is missing; the frame has {list(df.columns)}"
            )
        if not pd.api.types.is_numeric_dtype(df[self.target].dtype):
            raise SchemaError(
                f"TargetEncoder.fit: target column {self.target!r} must be numeric, got {df[self.target].dtype}"
            )
        if not isinstance(self.smoothing, (int, float)) or self.smoothing < 0:
            raise ConfigError(f"TargetEncoder: smoothing must be a number >= 0, got {self.smoothing!r}")
        self.columns_ = self._select(df)
        y = df[self.target].astype("float64")
        labelled = y.notna()
        self.prior_ = float(y[labelled].mean()) if labelled.any() else 0.0
        self.means_: dict[str, dict[str, float]] = {}
        for c in self.columns_:
            keys = df.loc[labelled, c].astype(str).where(df.loc[labelled, c].notna())
            stats = y[labelled].groupby(keys).agg(["sum", "count"])
            smoothed = (stats["sum"] + self.smoothing * self.prior_) / (stats["count"] + self.smoothing)
            self.means_[c] = _as_dict(smoothed)
        check_new_columns("TargetEncoder", list(self.output_columns()), list(df.columns))

    def output_columns(self) -> dict[str, str]:
        return {f"{c}_target_mean": "float64" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in self.columns_:
            out[f"{c}_target_mean"] = _lookup(df[c], self.means_[c], self.prior_)
        return out


def _as_dict(series: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in series.items()}


def _lookup(values: pd.Series, table: dict[str, float], default: float) -> pd.Series:
    keys = values.astype(object).where(values.notna()).map(str, na_action="ignore")
    return keys.map(table).astype("float64").fillna(default)
