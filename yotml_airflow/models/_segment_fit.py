"""The per-segment fit loop shared by pandas (``SegmentedModel.fit``) and Spark executors.

One pass: factorize the segment column, sort the rows by segment once, then fit a fresh copy of
the base model on each contiguous slice. The copy is unpickled from a template (much cheaper than
``clone()``), the fitted model is pickled right away, so the loop keeps bytes, not live models.
A segment whose fit raises is recorded with its error instead of stopping the loop.

Example:
    >>> import pickle, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from yotml_airflow.models import SklearnModel
    >>> base = SklearnModel(LinearRegression(), features=["x"], target="y")
    >>> df = pd.DataFrame({"s": ["a", "a", "b"], "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 5.0]})
    >>> fit_segments(df, "s", pickle.dumps(base), min_rows=2)[["segment", "rows", "status"]]
      segment  rows     status
    0       a     2     fitted
    1       b     1  too_small
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import SegmentError

FITTED = "fitted"
TOO_SMALL = "too_small"
FAILED = "failed"
RESULT_COLUMNS = ["segment", "rows", "status", "fit_seconds", "error", "model", "outputs", "inputs"]
TABLE_COLUMNS = ["segment", "rows", "status", "fit_seconds", "error"]
_MAX_ERROR_CHARS = 500


def sorted_groups(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order that makes each code contiguous, and offsets: group ``k`` is ``order[off[k+1]:off[k+2]]``.

    Code ``-1`` (a missing segment) is group slot 0, so offsets has ``n_groups + 2`` entries.
    """
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes + 1, minlength=n_groups + 1)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return order, offsets


def fit_segments(df: pd.DataFrame, segment_col: str, base_blob: bytes, min_rows: int) -> pd.DataFrame:
    """Fit one copy of the pickled base per segment of ``df``; one result row per segment.

    Rows with a missing segment are skipped. Columns: ``RESULT_COLUMNS`` (``model`` is the pickled
    fitted model or ``None``; ``outputs``/``inputs`` are JSON of its declared outputs and input schema).
    """
    codes, uniques = pd.factorize(df[segment_col], sort=False)
    keys = uniques.tolist()
    order, offsets = sorted_groups(codes, len(keys))
    data = df.drop(columns=[segment_col]).take(order)
    out: dict[str, list[Any]] = {c: [] for c in RESULT_COLUMNS}
    for k, key in enumerate(keys):
        start, stop = int(offsets[k + 1]), int(offsets[k + 2])
        rows = stop - start
        blob = outputs = inputs = error = None
        seconds = 0.0
        if rows < min_rows:
            status = TOO_SMALL
        else:
            t0 = time.perf_counter()
            try:
                model = pickle.loads(base_blob)
                model.fit(data.iloc[start:stop])
                seconds = time.perf_counter() - t0
                outputs = json.dumps(model.output_columns())
                inputs = json.dumps(model.input_schema_)
                blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
                status = FITTED
            except Exception as exc:
                seconds = time.perf_counter() - t0
                status, error = FAILED, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]
        for name, value in zip(RESULT_COLUMNS, (key, rows, status, seconds, error, blob, outputs, inputs)):
            out[name].append(value)
    return pd.DataFrame(out, columns=RESULT_COLUMNS)


def check_failures(results: pd.DataFrame, max_failure_ratio: float) -> None:
    """Raise ``SegmentError`` with a summary when the share of failed segment fits is too high."""
    status = results["status"]
    attempted = int((status != TOO_SMALL).sum())
    failed = results[status == FAILED]
    if attempted == 0 or failed.empty:
        return
    ratio = len(failed) / attempted
    if ratio > max_failure_ratio:
        examples = "; ".join(f"{s!r}: {e}" for s, e in zip(failed["segment"][:5], failed["error"][:5]))
        raise SegmentError(
            f"{len(failed)} of {attempted} segment fits failed ({ratio:.1%}, above max_failure_ratio="
            f"{max_failure_ratio}); first failures: {examples}"
        )


def merge_json_dicts(texts: Iterable[Any], owner: str, what: str) -> dict[str, str]:
    """Union of the distinct JSON dicts in ``texts``; a key with two different values raises ``SegmentError``."""
    merged: dict[str, str] = {}
    for text in pd.unique(pd.Series([t for t in texts if isinstance(t, str)], dtype=object)):
        merge_into(merged, json.loads(text), owner, what)
    return merged


def merge_into(merged: dict[str, str], new: dict[str, str], owner: str, what: str) -> None:
    """Add ``new`` to ``merged``; ``"any"`` yields to a precise value, other conflicts raise."""
    for col, value in new.items():
        old = merged.get(col)
        if old is None or old == "any":
            merged[col] = value
        elif value not in (old, "any"):
            raise SegmentError(f"{owner}: segment models disagree on the {what} of column {col!r}: {old} vs {value}")


def describe_segments(keys: list[Hashable], limit: int = 20) -> str:
    """``['a', 'b', ... (+3 more)]`` for error messages."""
    shown = ", ".join(repr(k) for k in keys[:limit])
    more = f", ... (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return f"[{shown}{more}]"
