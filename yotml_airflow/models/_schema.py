"""Column kinds and dtypes: how a model declares and checks the columns it reads and writes.

A model *reads* columns by kind (``numeric``, ``string``, ``datetime``, ``bool``, ``any``) so an
int column can feed a model fit on floats, and *writes* columns with an exact dtype from
``OUTPUT_DTYPES`` so Spark can build the output schema without running the model.

Example:
    >>> import pandas as pd
    >>> kind_of(pd.Series([1, 2]))
    'numeric'
    >>> check_input(pd.DataFrame({"x": ["a"]}), {"x": "numeric"}, "MyModel")
    Traceback (most recent call last):
    ...
    yotml_airflow.errors.SchemaError: MyModel: column 'x' must be numeric, got string (dtype str)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import SchemaError

KINDS = ("numeric", "string", "datetime", "bool", "any")
OUTPUT_DTYPES = ("float64", "int64", "bool", "string", "datetime64[us]")


def kind_of(series: pd.Series) -> str:
    """The kind of a column: numeric, bool, datetime, string (text or categorical) or any."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        return {"string": "string", "boolean": "bool"}.get(inferred, "any")
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
        return "string"
    return "any"


def _compatible(expected: str, actual: str, series: pd.Series) -> bool:
    if expected == "any" or actual == expected:
        return True
    if series.isna().all():
        return True
    return expected == "numeric" and actual == "bool"


def check_input(df: pd.DataFrame, schema: Mapping[str, str], owner: str) -> None:
    """Raise ``SchemaError`` naming every missing or wrongly typed column of ``df``.

    ``schema`` maps column names to kinds. Called before any work starts.
    """
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"{owner}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise SchemaError(f"{owner}: missing required column(s) {missing}; the frame has {list(df.columns)}")
    wrong = []
    for col, expected in schema.items():
        actual = kind_of(df[col])
        if not _compatible(expected, actual, df[col]):
            wrong.append(f"column {col!r} must be {expected}, got {actual} (dtype {df[col].dtype})")
    if wrong:
        raise SchemaError(f"{owner}: " + "; ".join(wrong))


def empty_frame(columns: Mapping[str, str], index: pd.Index | None = None) -> pd.DataFrame:
    """An empty frame with the given output columns and dtypes (used for empty inputs)."""
    index = index if index is not None else pd.RangeIndex(0)
    return pd.DataFrame({c: pd.Series(index=index, dtype=to_pandas_dtype(d)) for c, d in columns.items()})


def to_pandas_dtype(dtype: str) -> Any:
    """The pandas dtype used for a declared output dtype."""
    if dtype == "string":
        return pd.StringDtype(na_value=np.nan) if _pandas3() else object
    if dtype == "any":
        return object
    return dtype


def coerce_output(df: pd.DataFrame, columns: Mapping[str, str], owner: str) -> pd.DataFrame:
    """Cast ``df``'s declared columns to their declared dtypes; raise if one is missing."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(f"{owner}: output misses declared column(s) {missing}")
    out = df.copy() if any(str(df[c].dtype) != d for c, d in columns.items()) else df
    for col, dtype in columns.items():
        target = to_pandas_dtype(dtype)
        if (dtype == "string" and out[col].dtype != target) or (dtype != "string" and str(out[col].dtype) != dtype):
            try:
                out[col] = out[col].astype(target)
            except (ValueError, TypeError) as exc:
                nulls = int(out[col].isna().sum())
                hint = f"; it has {nulls} null(s), which {dtype} cannot hold" if nulls else ""
                raise SchemaError(
                    f"{owner}: column {col!r} ({out[col].dtype}) cannot be cast to its declared {dtype}{hint}: {exc}"
                ) from exc
    return out


def _pandas3() -> bool:
    return int(pd.__version__.split(".")[0]) >= 3


def validate_declared(columns: Mapping[str, str], owner: str) -> None:
    """Raise ``SchemaError`` when a declared output dtype is not one of ``OUTPUT_DTYPES``."""
    bad = {c: d for c, d in columns.items() if d not in OUTPUT_DTYPES}
    if bad:
        raise SchemaError(f"{owner}: output dtypes {bad} are not among {list(OUTPUT_DTYPES)}")
