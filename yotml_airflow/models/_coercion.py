"""``DtypeCoercer``: declared dtype coercion with errors that name the column and the bad values.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"n": ["1", "2"], "when": ["2024-01-02", None]})
    >>> out = DtypeCoercer({"n": "int64", "when": "datetime64[us]"}).fit(df).transform(df)
    >>> [str(t) for t in out.dtypes]
    ['int64', 'datetime64[us]']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models._base import Model
from yotml_airflow.models._columns import check_choice
from yotml_airflow.models._schema import OUTPUT_DTYPES, kind_of, to_pandas_dtype

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


class DtypeCoercer(Model):
    """Cast columns to declared dtypes; values that cannot be cast raise ``SchemaError`` naming them.

    Args:
        dtypes: ``{column: dtype}`` with dtypes from ``OUTPUT_DTYPES`` (float64, int64, bool,
            string, datetime64[us]).
        errors: ``"raise"`` (default) or ``"null"``: unparseable values become null instead, for
            the dtypes that can hold nulls (float64, string, datetime64[us]).

    Nulls stay null: a null is never turned into the string ``"nan"``. ``int64`` and ``bool``
    cannot hold nulls, so a null there is an error (impute first, or declare ``float64``).
    Any input type is accepted at transform time, since converting it is the point.

    Example:
        >>> import pandas as pd
        >>> DtypeCoercer({"x": "float64"}).fit(pd.DataFrame({"x": ["1.5", "oops"]}))
        Traceback (most recent call last):
        ...
        yotml_airflow.errors.SchemaError: DtypeCoercer: column 'x' has 1 value(s) that are not float64, e.g. ['oops']
    """

    def __init__(self, dtypes: Mapping[str, str], errors: str = "raise"):
        self.dtypes = dtypes
        self.errors = errors

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return list(self._dtypes())

    def _dtypes(self) -> dict[str, str]:
        if not isinstance(self.dtypes, Mapping) or not self.dtypes:
            raise ConfigError(
                f"DtypeCoercer: dtypes must be a non-empty {{column: dtype}} mapping, got {self.dtypes!r}"
            )
        bad = {c: d for c, d in self.dtypes.items() if d not in OUTPUT_DTYPES}
        if bad:
            raise ConfigError(f"DtypeCoercer: dtypes {bad} are not among {list(OUTPUT_DTYPES)}")
        return dict(self.dtypes)

    def fit(self, df: pd.DataFrame) -> DtypeCoercer:
        """Check the declaration and that the training frame converts; inputs may be of any kind later."""
        super().fit(df)
        self.input_schema_ = {c: "any" for c in self.input_schema_}
        return self

    def _fit(self, df: pd.DataFrame) -> None:
        check_choice("DtypeCoercer", "errors", self.errors, ("raise", "null"))
        self.dtypes_ = self._dtypes()
        for column, dtype in self.dtypes_.items():
            coerce_series(df[column], dtype, column, self.errors)

    def output_columns(self) -> dict[str, str]:
        return dict(self.dtypes_)

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.dtypes_}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for column, dtype in self.dtypes_.items():
            out[column] = coerce_series(df[column], dtype, column, self.errors)
        return out

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return self._transform(df)[list(self.dtypes_)]


def coerce_series(series: pd.Series, dtype: str, column: str, errors: str = "raise") -> pd.Series:
    """``series`` cast to the declared ``dtype``; raise ``SchemaError`` naming ``column`` on bad values."""
    kind = kind_of(series)
    if dtype == "string":
        return series.astype(to_pandas_dtype("string"))
    if dtype == "bool":
        result = _to_bool(series, kind)
    elif dtype == "datetime64[us]":
        result = _to_datetime(series, kind, column)
    else:
        result = pd.to_numeric(series, errors="coerce") if kind != "bool" else series.astype("float64")
    bad = series.notna() & result.isna()
    if bad.any() and (errors == "raise" or dtype in ("int64", "bool")):
        examples = [_show(v) for v in series[bad].unique()[:3]]
        raise SchemaError(
            f"DtypeCoercer: column {column!r} has {int(bad.sum())} value(s) that are not {dtype}, e.g. {examples}"
        )
    result = result.where(~bad)
    if dtype in ("int64", "bool"):
        nulls = int(result.isna().sum())
        if nulls:
            raise SchemaError(
                f"DtypeCoercer: column {column!r} has {nulls} missing value(s) and {dtype} cannot hold nulls; "
                "impute it first (Imputer) or declare float64"
            )
    if dtype == "int64":
        numbers = result.astype("float64")
        fractional = numbers != numbers.round()
        if fractional.any():
            examples = [_show(v) for v in series[fractional].unique()[:3]]
            raise SchemaError(f"DtypeCoercer: column {column!r} has non-integer value(s) {examples}; declare float64")
        return numbers.astype("int64")
    return result.astype(to_pandas_dtype(dtype))


def _to_bool(series: pd.Series, kind: str) -> pd.Series:
    if kind == "bool":
        return series.astype(object).where(series.notna())
    if kind == "numeric":
        return series.map(lambda v: bool(v) if v in (0, 1) else None, na_action="ignore").astype(object)
    text = series.map(lambda v: str(v).strip().lower(), na_action="ignore")
    parsed = text.map(lambda v: True if v in _TRUE else (False if v in _FALSE else None), na_action="ignore")
    return parsed.astype(object)


def _to_datetime(series: pd.Series, kind: str, column: str) -> pd.Series:
    if kind == "datetime":
        values = series
    elif kind in ("string", "any"):
        values = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
    else:
        raise SchemaError(
            f"DtypeCoercer: column {column!r} is {kind}; only strings and datetimes convert to datetime64[us]"
        )
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype("datetime64[us]")


def _show(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
