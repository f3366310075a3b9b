"""Cleaning models: learned fill values, learned clipping bounds, learned category vocabularies.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"spend": [1.0, 2.0, None, 1000.0], "country": ["US", "US", "FR", None]})
    >>> Imputer(columns=["spend"], strategy="median").fit(df).transform(df)["spend"].tolist()
    [1.0, 2.0, 2.0, 1000.0]
    >>> CategoryVocabulary(min_frequency=2).fit(df).transform(df)["country"].tolist()
    ['US', 'US', 'other', nan]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError
from yotml_airflow.models._columns import ColumnModel, check_choice
from yotml_airflow.models._schema import kind_of, to_pandas_dtype

_KIND_DTYPE = {"numeric": "float64", "bool": "bool", "string": "string", "datetime": "datetime64[us]"}


class Imputer(ColumnModel):
    """Fill missing values with values learned at fit; columns all-null at fit stay null.

    Args:
        columns: columns to fill; ``None`` means every numeric, bool, string and datetime column.
        strategy: for numeric and datetime columns: ``"mean"``, ``"median"``, ``"most_frequent"``
            or ``"constant"`` (uses ``fill_value``).
        categorical_strategy: for string and bool columns: ``"most_frequent"`` or ``"constant"``.
        fill_value: the value used by the ``"constant"`` strategies.

    Example:
        >>> import pandas as pd
        >>> Imputer(columns=["a"]).fit(pd.DataFrame({"a": [1.0, 3.0, None]})).transform(
        ...     pd.DataFrame({"a": [None, 5.0]}))["a"].tolist()
        [2.0, 5.0]
    """

    accepts = ("numeric", "bool", "string", "datetime")

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        strategy: str = "mean",
        categorical_strategy: str = "most_frequent",
        fill_value: Any = None,
    ):
        self.columns = columns
        self.strategy = strategy
        self.categorical_strategy = categorical_strategy
        self.fill_value = fill_value

    def _fit(self, df: pd.DataFrame) -> None:
        name = type(self).__name__
        check_choice(name, "strategy", self.strategy, ("mean", "median", "most_frequent", "constant"))
        check_choice(name, "categorical_strategy", self.categorical_strategy, ("most_frequent", "constant"))
        if "constant" in (self.strategy, self.categorical_strategy) and self.fill_value is None:
            raise ConfigError(f"{name}: the 'constant' strategy needs a fill_value")
        self.columns_ = self._select(df)
        self.kinds_ = {c: kind_of(df[c]) for c in self.columns_}
        self.fill_values_ = {c: self._learn(df[c], self.kinds_[c]) for c in self.columns_}

    def _learn(self, series: pd.Series, kind: str) -> Any:
        strategy = self.strategy if kind in ("numeric", "datetime") else self.categorical_strategy
        if strategy == "constant":
            return self.fill_value
        values = series.dropna()
        if values.empty:
            return None
        if strategy == "most_frequent":
            counts = values.value_counts()
            top = counts[counts == counts.max()].index
            return _plain(sorted(top)[0])
        value = values.mean() if strategy == "mean" else values.median()
        return _plain(value)

    def output_columns(self) -> dict[str, str]:
        return {c: _KIND_DTYPE[self.kinds_[c]] for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        out = dict(schema)
        for c in self.columns_:
            if self.kinds_[c] != "numeric" or schema.get(c) not in ("int64", "float64"):
                out[c] = _KIND_DTYPE[self.kinds_[c]]
        return out

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c, value in self.fill_values_.items():
            if value is not None and out[c].isna().any():
                filled = out[c].astype(object).where(out[c].notna(), value)
                out[c] = filled.infer_objects() if self.kinds_[c] != "string" else filled
        return out


class Clipper(ColumnModel):
    """Clip numeric outliers to bounds learned at fit (quantiles, or Tukey's IQR fences).

    Args:
        columns: numeric columns to clip; ``None`` means every numeric column.
        method: ``"quantile"`` (bounds are the ``lower``/``upper`` quantiles) or ``"iqr"``
            (``q1 - factor * iqr`` and ``q3 + factor * iqr``).
        lower, upper: quantiles for ``"quantile"``.
        factor: fence width for ``"iqr"``.

    Integer columns stay integers (bounds widened to whole numbers); nulls stay null.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})
        >>> Clipper(method="iqr").fit(df).transform(df)["x"].tolist()
        [1.0, 2.0, 3.0, 4.0, 7.0]
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        method: str = "quantile",
        lower: float = 0.01,
        upper: float = 0.99,
        factor: float = 1.5,
    ):
        self.columns = columns
        self.method = method
        self.lower = lower
        self.upper = upper
        self.factor = factor

    def _fit(self, df: pd.DataFrame) -> None:
        check_choice(type(self).__name__, "method", self.method, ("quantile", "iqr"))
        if not 0.0 <= self.lower < self.upper <= 1.0:
            raise ConfigError(f"Clipper: need 0 <= lower < upper <= 1, got lower={self.lower}, upper={self.upper}")
        self.columns_ = self._select(df)
        self.bounds_: dict[str, tuple[float, float] | None] = {}
        for c in self.columns_:
            values = df[c].dropna().astype("float64")
            if values.empty:
                self.bounds_[c] = None
            elif self.method == "quantile":
                self.bounds_[c] = (float(values.quantile(self.lower)), float(values.quantile(self.upper)))
            else:
                q1, q3 = float(values.quantile(0.25)), float(values.quantile(0.75))
                self.bounds_[c] = (q1 - self.factor * (q3 - q1), q3 + self.factor * (q3 - q1))

    def output_columns(self) -> dict[str, str]:
        return {c: "float64" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        out = dict(schema)
        for c in self.columns_:
            out[c] = "int64" if schema.get(c) == "int64" else "float64"
        return out

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c, bounds in self.bounds_.items():
            if bounds is None:
                continue
            lo, hi = bounds
            if pd.api.types.is_integer_dtype(out[c].dtype):
                out[c] = out[c].clip(math.floor(lo), math.ceil(hi))
            else:
                out[c] = out[c].astype("float64").clip(lo, hi)
        return out


class CategoryVocabulary(ColumnModel):
    """Keep the categories seen often enough at fit; map rare and unseen ones to ``other``.

    Args:
        columns: string columns; ``None`` means every string column.
        min_frequency: a count (int >= 1) or a share of the non-null rows (float in (0, 1)).
        max_categories: keep at most this many of the most frequent categories.
        other: the bucket for rare and unseen values. Nulls stay null.

    Example:
        >>> import pandas as pd
        >>> m = CategoryVocabulary(columns=["c"]).fit(pd.DataFrame({"c": ["a", "b"]}))
        >>> m.transform(pd.DataFrame({"c": ["a", "z", None]}))["c"].tolist()
        ['a', 'other', nan]
    """

    accepts = ("string",)

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        min_frequency: float = 1,
        max_categories: int | None = None,
        other: str = "other",
    ):
        self.columns = columns
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.other = other

    def _fit(self, df: pd.DataFrame) -> None:
        self.columns_ = self._select(df)
        self.vocabulary_ = {
            c: learn_categories(df[c], self.min_frequency, self.max_categories, type(self).__name__)
            for c in self.columns_
        }

    def output_columns(self) -> dict[str, str]:
        return {c: "string" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c, vocabulary in self.vocabulary_.items():
            values = out[c].astype(to_pandas_dtype("string"))
            out[c] = values.where(values.isin(vocabulary) | values.isna(), self.other)
        return out


def learn_categories(series: pd.Series, min_frequency: float, max_categories: int | None, owner: str) -> list[str]:
    """Categories of ``series`` seen at least ``min_frequency`` times (or share), most frequent first."""
    if isinstance(min_frequency, bool) or not isinstance(min_frequency, (int, float)) or min_frequency <= 0:
        raise ConfigError(f"{owner}: min_frequency must be a count >= 1 or a share in (0, 1), got {min_frequency!r}")
    if max_categories is not None and (not isinstance(max_categories, int) or max_categories < 1):
        raise ConfigError(f"{owner}: max_categories must be a positive int or None, got {max_categories!r}")
    values = series.dropna().astype(str)
    counts = values.value_counts()
    threshold = min_frequency * len(values) if min_frequency < 1 else min_frequency
    kept = sorted(((-int(n), str(v)) for v, n in counts.items() if n >= threshold))
    if max_categories is not None:
        kept = kept[:max_categories]
    return [v for _, v in kept]


def _plain(value: Any) -> Any:
    """A numpy/pandas scalar as a plain Python value (so params and manifests stay readable)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
