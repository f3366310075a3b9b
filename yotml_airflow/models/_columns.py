"""A shared base for built-in column models: pick columns by kind, transform them, predict = the new columns.

A column model learns one thing per column in ``_fit`` and applies it in ``_transform``. Its
``predict`` returns only the columns it writes (``output_columns()``), so every built-in can be
scored, saved and checked like an estimator.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models._base import Model
from yotml_airflow.models._schema import kind_of


class ColumnModel(Model):
    """Base of the built-ins: ``columns=None`` selects every column of the kinds in ``accepts``."""

    columns: str | Sequence[str] | None
    accepts: tuple[str, ...] = ("numeric",)

    def _named_columns(self) -> list[str] | None:
        if self.columns is None:
            return None
        if isinstance(self.columns, str):
            return [self.columns]
        if not isinstance(self.columns, Sequence):
            raise ConfigError(f"{type(self).__name__}: columns must be a list of names or None, got {self.columns!r}")
        return list(self.columns)

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        named = self._named_columns()
        if named is not None:
            return named
        return [c for c in df.columns if kind_of(df[c]) in self.accepts]

    def _select(self, df: pd.DataFrame) -> list[str]:
        """The columns to learn from, with their kinds checked (called inside ``_fit``)."""
        columns = self.input_columns(df)
        wrong = [f"{c!r} is {kind_of(df[c])}" for c in columns if kind_of(df[c]) not in self.accepts]
        if wrong:
            raise SchemaError(
                f"{type(self).__name__}.fit: column(s) {', '.join(wrong)}; this model accepts {list(self.accepts)}"
            )
        return columns

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return self._transform(df)[list(self.output_columns())]


def check_choice(owner: str, name: str, value: Any, choices: Sequence[Any]) -> None:
    """Raise ``ConfigError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ConfigError(f"{owner}: {name}={value!r} is not one of {list(choices)}")


def feature_name(column: str, value: Any) -> str:
    """A Spark-safe name for a derived column: ``("country", "United States")`` -> ``country_United_States``."""
    text = re.sub(r"[^0-9A-Za-z_]+", "_", str(value)).strip("_") or "blank"
    return f"{column}_{text}"


def check_new_columns(owner: str, new: Sequence[str], existing: Mapping[str, Any] | Sequence[str]) -> None:
    """Raise ``ConfigError`` if derived column names collide with each other or with input columns."""
    dupes = sorted(c for c, n in Counter(new).items() if n > 1)
    clash = sorted(set(new) & set(existing))
    if dupes or clash:
        raise ConfigError(f"{owner}: derived column name(s) {dupes + clash} collide; rename the inputs or categories")
