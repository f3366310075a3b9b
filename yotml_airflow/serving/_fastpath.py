"""A fast path for the commonest served model: ``SklearnModel`` over numeric features only.

``Model.predict`` on a one-row pandas frame spends most of its time in pandas and in
scikit-learn's DataFrame checks (feature names, dtypes), not in the estimator. For a
``SklearnModel`` whose inputs are all numeric, the same estimator called on the same values as
one float64 matrix gives the same predictions for a fraction of the cost.

Equality with ``Model.predict`` (the contract) is not assumed: ``compile_fast_path`` runs both on
probe rows when the model is loaded and only returns a fast path if every output column matches
exactly; anything else (other model classes, string/date inputs, a mismatch, an error) keeps the
pandas path.

Example:
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from yotml_airflow.models import SklearnModel
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 0, 1, 1]})
    >>> fast = compile_fast_path(SklearnModel(LogisticRegression(), target="y").fit(df))
    >>> fast({"x": [3.0]})["prediction"]
    [1]
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.models import Model, SklearnModel
from yotml_airflow.serving._codec import column_values

log = logging.getLogger("yotml_airflow.serving")

FastPath = Callable[[dict[str, Any]], "dict[str, list[Any]] | None"]
"""``{input column: values} -> {output column: JSON values}``, or None to take ``Model.predict``."""

_NAMES_WARNING = "X does not have valid feature names"
_PROBE_VALUES = (0.0, 1.0, -1.5, 3.0, 250.0)


def _build(model: SklearnModel) -> FastPath:
    features = list(model.features_)
    columns = model.output_columns()
    prediction_col = model.prediction_col
    label_dtype = columns[prediction_col]
    proba_cols = [c for c in columns if c != prediction_col]
    warnings.filterwarnings("ignore", message=_NAMES_WARNING, category=UserWarning)

    def predict(data: dict[str, Any]) -> dict[str, list[Any]] | None:
        x = np.column_stack([np.asarray(data[f], dtype=np.float64) for f in features])
        predicted, proba = model.predict_arrays(x)
        labels = np.asarray(predicted)
        out = {prediction_col: column_values(labels.astype(label_dtype) if label_dtype != "string" else labels)}
        if proba is not None:
            for i, col in enumerate(proba_cols):
                out[col] = column_values(np.ascontiguousarray(proba[:, i], dtype=np.float64))
        return out

    return predict


def _probe(model: Model) -> pd.DataFrame:
    schema = model.input_schema
    n = len(_PROBE_VALUES)
    return pd.DataFrame({c: np.roll(np.array(_PROBE_VALUES), i) for i, c in enumerate(schema)}, index=range(n))


def compile_fast_path(model: Model) -> FastPath | None:
    """A function ``{column: values} -> {output column: JSON values}`` equal to ``model.predict``, or None.

    Only for an exact ``SklearnModel`` with numeric inputs, and only if it reproduces
    ``model.predict`` exactly on probe rows.
    """
    if type(model) is not SklearnModel or not model.is_fitted():
        return None
    if any(kind != "numeric" for kind in model.input_schema.values()):
        return None
    try:
        fast = _build(model)
        probe = _probe(model)
        expected = model.predict(probe)
        got = fast({c: probe[c].to_numpy() for c in probe.columns})
        for col in expected.columns:
            if got is None or column_values(expected[col]) != got[col]:
                log.info("yotml serve: fast path differs from predict on %s; using the pandas path", col)
                return None
    except Exception as exc:
        log.info("yotml serve: no fast path (%s: %s); using the pandas path", type(exc).__name__, exc)
        return None
    return fast
