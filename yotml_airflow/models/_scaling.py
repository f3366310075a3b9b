"""Numeric feature models: standard scaling (learned mean and spread), signed log, ratios.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"spend": [10.0, 30.0], "orders": [1, 0]})
    >>> StandardScaler(columns=["spend"]).fit(df).transform(df)["spend"].tolist()
    [-1.0, 1.0]
    >>> RatioFeature("spend", "orders").fit(df).transform(df)["spend_per_orders"].tolist()
    [10.0, nan]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError
from yotml_airflow.models._columns import ColumnModel, check_new_columns


class StandardScaler(ColumnModel):
    """``(x - mean) / std`` with mean and population std learned at fit; nulls stay null.

    Args:
        columns: numeric columns; ``None`` means every numeric column.
        with_mean: subtract the learned mean.
        with_std: divide by the learned standard deviation (a constant column is divided by 1).

    Example:
        >>> import pandas as pd
        >>> m = StandardScaler().fit(pd.DataFrame({"x": [1.0, 3.0]}))
        >>> (m.mean_, m.scale_)
        ({'x': 2.0}, {'x': 1.0})
    """

    def __init__(self, columns: Sequence[str] | None = None, with_mean: bool = True, with_std: bool = True):
        self.columns = columns
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit(self, df: pd.DataFrame) -> None:
        self.columns_ = self._select(df)
        self.mean_: dict[str, float] = {}
        self.scale_: dict[str, float] = {}
        for c in self.columns_:
            values = df[c].astype("float64")
            mean, std = float(values.mean()), float(values.std(ddof=0))
            self.mean_[c] = mean if self.with_mean and np.isfinite(mean) else 0.0
            self.scale_[c] = std if self.with_std and np.isfinite(std) and std > 0 else 1.0

    def output_columns(self) -> dict[str, str]:
        return {c: "float64" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in self.columns_:
            out[c] = (out[c].astype("float64") - self.mean_[c]) / self.scale_[c]
        return out


class Log1p(ColumnModel):
    """Signed ``log1p``: ``sign(x) * log(1 + |x|)``, for skewed amounts and counts (negatives stay defined).

    Args:
        columns: numeric columns; ``None`` means every numeric column.
        suffix: ``""`` replaces the column; otherwise the result goes to ``<column><suffix>``.

    Example:
        >>> import pandas as pd
        >>> Log1p(suffix="_log").fit(pd.DataFrame({"x": [0.0]})).output_columns()
        {'x_log': 'float64'}
    """

    def __init__(self, columns: Sequence[str] | None = None, suffix: str = ""):
        self.columns = columns
        self.suffix = suffix

    def _fit(self, df: pd.DataFrame) -> None:
        self.columns_ = self._select(df)
        if self.suffix:
            check_new_columns("Log1p", [c + self.suffix for c in self.columns_], list(df.columns))

    def output_columns(self) -> dict[str, str]:
        return {c + self.suffix: "float64" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in self.columns_:
            values = out[c].astype("float64")
            out[c + self.suffix] = np.sign(values) * np.log1p(values.abs())
        return out


class RatioFeature(ColumnModel):
    """``numerator / denominator`` as a new ``float64`` column; a zero or null denominator gives null.

    Args:
        numerator, denominator: numeric column names.
        name: the new column (default ``<numerator>_per_<denominator>``).
        fill_value: used instead of null where the ratio is undefined (``None`` keeps null).

    Example:
        >>> import pandas as pd
        >>> RatioFeature("a", "b", name="r", fill_value=0.0).fit(pd.DataFrame({"a": [1.0], "b": [0.0]})).transform(
        ...     pd.DataFrame({"a": [1.0], "b": [0.0]}))["r"].tolist()
        [0.0]
    """

    def __init__(self, numerator: str, denominator: str, name: str | None = None, fill_value: float | None = None):
        self.numerator = numerator
        self.denominator = denominator
        self.name = name
        self.fill_value = fill_value

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        if not isinstance(self.numerator, str) or not isinstance(self.denominator, str):
            raise ConfigError(f"RatioFeature: numerator and denominator must be column names, got {self!r}")
        return [self.numerator, self.denominator]

    def _fit(self, df: pd.DataFrame) -> None:
        self._select(df)
        self.name_ = self.name or f"{self.numerator}_per_{self.denominator}"
        check_new_columns("RatioFeature", [self.name_], list(df.columns))

    def output_columns(self) -> dict[str, str]:
        return {self.name_: "float64"}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        denominator = df[self.denominator].astype("float64")
        ratio = df[self.numerator].astype("float64") / denominator.where(denominator != 0)
        out[self.name_] = ratio if self.fill_value is None else ratio.fillna(self.fill_value)
        return out
