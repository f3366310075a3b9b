"""``DateParts``: calendar features of datetime columns, with a reference date learned at fit.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"signup": pd.to_datetime(["2024-01-01", "2024-03-01"])})
    >>> DateParts(parts=["month", "days_since"]).fit(df).transform(df).values.tolist()
    [[Timestamp('2024-01-01 00:00:00'), 1.0, 60.0], [Timestamp('2024-03-01 00:00:00'), 3.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from yotml_airflow.errors import ConfigError
from yotml_airflow.models._columns import ColumnModel, check_new_columns

PARTS = ("year", "quarter", "month", "day", "dayofweek", "dayofyear", "hour", "is_weekend", "days_since")


class DateParts(ColumnModel):
    """Add ``<column>_<part>`` ``float64`` columns (null where the date is null).

    Parts: ``year``, ``quarter``, ``month``, ``day``, ``dayofweek`` (Monday=0), ``dayofyear``,
    ``hour``, ``is_weekend`` (0/1) and ``days_since``: days from the date to ``reference``, which
    is learned at fit as the latest date of the column unless given (e.g. ``"2025-01-01"``).

    Args:
        columns: datetime columns; ``None`` means every datetime column.
        parts: which parts to add.
        reference: a fixed reference date for ``days_since``, or ``None`` to learn it.
        drop: remove the original datetime columns from ``transform``'s output.

    Example:
        >>> import pandas as pd
        >>> m = DateParts(parts=["year"]).fit(pd.DataFrame({"d": pd.to_datetime(["2020-05-01", None])}))
        >>> m.transform(pd.DataFrame({"d": pd.to_datetime(["2021-01-01", None])}))["d_year"].tolist()
        [2021.0, nan]
    """

    accepts = ("datetime",)

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        parts: Sequence[str] = ("year", "month", "dayofweek", "dayofyear", "days_since"),
        reference: Any = None,
        drop: bool = False,
    ):
        self.columns = columns
        self.parts = parts
        self.reference = reference
        self.drop = drop

    def _fit(self, df: pd.DataFrame) -> None:
        unknown = [p for p in self.parts if p not in PARTS]
        if unknown or not self.parts:
            raise ConfigError(f"DateParts: unknown or no part(s) {unknown}; choose from {list(PARTS)}")
        self.columns_ = self._select(df)
        self.reference_: dict[str, pd.Timestamp | None] = {}
        for c in self.columns_:
            if self.reference is not None:
                try:
                    reference = pd.Timestamp(self.reference)
                except (ValueError, TypeError) as exc:
                    raise ConfigError(f"DateParts: reference {self.reference!r} is not a date: {exc}") from exc
                if reference.tzinfo is not None:
                    reference = reference.tz_convert("UTC").tz_localize(None)
                self.reference_[c] = reference
            else:
                latest = _naive(df[c]).max()
                self.reference_[c] = None if pd.isna(latest) else pd.Timestamp(latest)
        kept = [c for c in df.columns if not (self.drop and c in self.columns_)]
        check_new_columns("DateParts", list(self.output_columns()), kept)

    def output_columns(self) -> dict[str, str]:
        return {f"{c}_{p}": "float64" for c in self.columns_ for p in self.parts}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        out = {c: d for c, d in schema.items() if not (self.drop and c in self.columns_)}
        out.update(self.output_columns())
        return out

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        new = {}
        for c in self.columns_:
            values = _naive(df[c])
            for part in self.parts:
                new[f"{c}_{part}"] = self._part(values, part, self.reference_[c])
        kept = df.drop(columns=self.columns_) if self.drop else df
        return pd.concat([kept, pd.DataFrame(new, index=df.index)], axis=1)

    @staticmethod
    def _part(values: pd.Series, part: str, reference: pd.Timestamp | None) -> pd.Series:
        if part == "days_since":
            if reference is None:
                return pd.Series(float("nan"), index=values.index)
            return (reference - values).dt.total_seconds() / 86400.0
        if part == "is_weekend":
            return (values.dt.dayofweek >= 5).astype("float64").where(values.notna())
        return getattr(values.dt, part).astype("float64")  # type: ignore[no-any-return]


def _naive(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values
