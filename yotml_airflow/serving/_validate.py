"""Check JSON records against a model's input schema and build the pandas frame it predicts on.

The checks are compiled once per model from its ``input_schema`` (``{column: kind}``) into one
plain-Python function per column, so a request pays a few microseconds per field instead of a
per-request model-validation framework. Every problem of a request is collected and reported at
once, naming the field and the records it concerns.

Example:
    >>> v = InputValidator({"age": "numeric", "plan": "string"})
    >>> v.frame(v.records({"age": 31, "plan": "pro"})).dtypes.astype(str).to_dict()
    {'age': 'int64', 'plan': 'str'}
    >>> v.frame(v.records({"age": "old"}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    yotml_airflow.serving._validate.RequestError: invalid input: field 'plan' is required but missing; field 'age' ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MAX_LISTED = 5

Column = list[Any]


class RequestError(Exception):
    """A request the server refuses: an HTTP status, a message and optional per-field details."""

    def __init__(self, status: int, message: str, detail: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail or []

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the client."""
        out: dict[str, Any] = {"error": self.message}
        if self.detail:
            out["detail"] = self.detail
        return out


def _check_numeric(values: Column) -> tuple[str | None, np.ndarray | None]:
    all_int = True
    for v in values:
        t = type(v)
        if t is int:
            if not _INT64_MIN <= v <= _INT64_MAX:
                return "must be a number within the int64 range", None
        elif t is float:
            all_int = False
        elif v is None:
            all_int = False
        else:
            return "must be a number or null", None
    if all_int:
        return None, np.array(values, dtype=np.int64)
    return None, np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _check_string(values: Column) -> tuple[str | None, Any]:
    for v in values:
        if v is not None and type(v) is not str:
            return "must be a string or null", None
    return None, values


def _check_bool(values: Column) -> tuple[str | None, Any]:
    has_null = False
    for v in values:
        if v is None:
            has_null = True
        elif type(v) is not bool:
            return "must be true, false or null", None
    if has_null:
        return None, np.array(values, dtype=object)
    return None, np.array(values, dtype=bool)


def _check_datetime(values: Column) -> tuple[str | None, Any]:
    for v in values:
        if v is not None and type(v) is not str:
            return "must be an ISO 8601 date-time string or null", None
    try:
        parsed = pd.to_datetime(values, format="ISO8601", utc=True)
    except (ValueError, TypeError, OverflowError):
        return "must be an ISO 8601 date-time string (e.g. 2024-05-01T12:30:00) or null", None
    return None, parsed.tz_localize(None).as_unit("us")


def _check_any(values: Column) -> tuple[str | None, Any]:
    for v in values:
        if isinstance(v, (dict, list)):
            return "must be a scalar (string, number, boolean or null), not an object or array", None
    return None, values


_CHECKS: dict[str, Callable[[Column], tuple[str | None, Any]]] = {
    "numeric": _check_numeric,
    "string": _check_string,
    "bool": _check_bool,
    "datetime": _check_datetime,
    "any": _check_any,
}


class InputValidator:
    """Validate JSON records against ``schema`` (``{column: kind}``) and build the model's frame.

    Args:
        schema: the model's ``input_schema`` (kinds: numeric, string, bool, datetime, any).
        max_rows: the largest batch accepted in one request (more gives HTTP 413).

    Fields not in the schema are ignored; a missing field or a value of the wrong type gives a
    ``RequestError`` with status 422 naming every offending field. Date-times are ISO 8601
    strings; ones with an offset are converted to UTC, ones without are taken as UTC.
    """

    def __init__(self, schema: Mapping[str, str], max_rows: int = 1000):
        self.schema = dict(schema)
        self.max_rows = max_rows
        self._columns = list(self.schema)
        self._checks = [(c, _CHECKS.get(k, _check_any)) for c, k in self.schema.items()]

    def records(self, payload: Any) -> list[dict[str, Any]]:
        """The list of records in ``payload`` (one JSON object, or an array of objects).

        Checks the shape only (413 past ``max_rows``, 422 for anything but objects); ``frame``
        checks the fields.
        """
        if isinstance(payload, dict):
            records = [payload]
        elif isinstance(payload, list):
            records = payload
            if not records:
                raise RequestError(422, "invalid input: the body is an empty array; send at least one record")
            if len(records) > self.max_rows:
                raise RequestError(
                    413, f"too many records: {len(records)} in one request, the limit is {self.max_rows}"
                )
            bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
            if bad:
                raise RequestError(
                    422,
                    f"invalid input: every array item must be a JSON object (a record); items {bad[:_MAX_LISTED]} "
                    "are not",
                )
        else:
            raise RequestError(422, "invalid input: the body must be a JSON object (one record) or an array of objects")
        return records

    def columns(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """``{column: values}`` for the schema's columns, checked; raises ``RequestError`` (422)."""
        problems: list[dict[str, Any]] = []
        out: dict[str, Any] = {}
        missing: dict[str, list[int]] = {}
        for col, check in self._checks:
            try:
                values = [r[col] for r in records]
            except KeyError:
                missing[col] = [i for i, r in enumerate(records) if col not in r]
                continue
            error, column = check(values)
            if error is not None:
                problems.append({"field": col, "error": f"{error} ({self.schema[col]} column)"})
            else:
                out[col] = column
        for col, rows in missing.items():
            where = "" if len(records) == 1 else f" in record(s) {rows[:_MAX_LISTED]}"
            problems.insert(0, {"field": col, "error": f"is required but missing{where}"})
        if problems:
            listed = "; ".join(f"field {p['field']!r} {p['error']}" for p in problems)
            raise RequestError(422, f"invalid input: {listed}", problems)
        return out

    def frame(self, records: list[dict[str, Any]]) -> pd.DataFrame:
        """The pandas frame of ``records`` (schema columns only, in schema order) for ``predict``."""
        return self.build_frame(self.columns(records))

    def build_frame(self, columns: dict[str, Any]) -> pd.DataFrame:
        """The frame of columns already checked by ``columns``."""
        return pd.DataFrame(columns, columns=self._columns)
