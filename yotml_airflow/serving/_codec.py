"""JSON in and out of the prediction service: strict parsing, and predictions as JSON records.

Only JSON is read from a request (``json.loads`` of the body); nothing is ever unpickled.
``NaN``/``Infinity`` are not JSON and are refused; missing predictions are sent as ``null``.

Example:
    >>> import pandas as pd
    >>> encode_records(pd.DataFrame({"p": [1.5, float("nan")], "label": ["a", "b"]}))
    [{'p': 1.5, 'label': 'a'}, {'p': None, 'label': 'b'}]
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.serving._validate import RequestError


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON; send null for a missing value")


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``; ``RequestError`` 400 when it is not valid JSON."""
    if not body:
        raise RequestError(400, "malformed JSON: the request body is empty")
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise RequestError(400, f"malformed JSON: {exc}") from None


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes (no NaN: values must already be JSON-safe)."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()


def column_values(values: pd.Series | np.ndarray) -> list[Any]:
    """The JSON-safe Python values of one column (a Series or a 1-d array); NaN and NaT become None."""
    dtype = values.dtype
    if dtype.kind in "iub":
        return np.asarray(values).tolist()  # type: ignore[no-any-return]
    if dtype.kind == "f":
        arr = np.asarray(values)
        out = arr.tolist()
        if np.isfinite(arr).all():
            return out  # type: ignore[no-any-return]
        return [v if math.isfinite(v) else None for v in out]
    if dtype.kind == "M":
        return [None if v is pd.NaT else v.isoformat() for v in pd.Series(values).tolist()]
    return [_json_scalar(v) for v in values.tolist()]


def _json_scalar(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return _json_scalar(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def records_from_columns(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """``{column: values}`` as a list of records."""
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*columns.values())]


def encode_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame`` as a list of JSON-safe records (NaN and NaT become ``None``)."""
    return records_from_columns({str(c): column_values(frame[c]) for c in frame.columns})
