"""When the model raises on a batch: find the records it rejects and give each its reason.

A record can pass decoding and still make the model raise (a null in a feature an estimator
cannot take, an unseen category under an ``"error"`` policy). Rather than fail the whole batch,
``predict_isolating`` re-scores it with the same ``model.predict`` in chunks, then row by row
inside a failing chunk, so every record ends either scored or rejected with
``model error: <exception>``. The streaming runner does this inside the Python worker that hit
the error, so a bad record costs its own batch a re-score and never stops the query.

Example:
    >>> import pandas as pd
    >>> from yotml_airflow.models import Model
    >>> class Inverse(Model):
    ...     def _fit(self, df): pass
    ...     def output_columns(self): return {"inv": "float64"}
    ...     def _predict(self, df):
    ...         if (df["x"] == 0).any(): raise ZeroDivisionError("x is 0")
    ...         return pd.DataFrame({"inv": 1 / df["x"]}, index=df.index)
    >>> model = Inverse().fit(pd.DataFrame({"x": [1.0]}))
    >>> scored, failed = predict_isolating(model, pd.DataFrame({"x": [1.0, 0.0, 2.0]}), chunk=2)
    >>> list(scored["inv"]), failed
    ([1.0, 0.5], {1: 'model error: ZeroDivisionError: x is 0'})
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from yotml_airflow.models import Model


def predict_isolating(model: Model, df: pd.DataFrame, chunk: int = 1000) -> tuple[pd.DataFrame, dict[int, str]]:
    """``model.predict`` over ``df`` in chunks, row by row where a chunk fails.

    Returns ``(predictions of the rows that scored, with their index; {index: reason} of the rest)``.
    """
    parts: list[pd.DataFrame] = []
    failed: dict[int, str] = {}
    for start in range(0, len(df), chunk):
        part = df.iloc[start : start + chunk]
        try:
            parts.append(model.predict(part))
            continue
        except Exception:
            pass
        for i in range(len(part)):
            row = part.iloc[i : i + 1]
            try:
                parts.append(model.predict(row))
            except Exception as exc:
                failed[row.index[0]] = (
                    f"model error: {type(exc).__name__}: {str(exc).splitlines()[0][:500] if str(exc) else ''}"
                )
    columns = list(model.output_columns())
    scored = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    return scored, failed
