"""Hold-out metrics over a model's ``predict`` output (scikit-learn, imported when a score is computed).

Classifiers are read by the package's convention: a prediction column (``prediction`` or the
model's ``prediction_col``) and one ``proba_<class>`` column per class. ``auc`` and ``log_loss`` use
the probabilities (``auc`` falls back to a numeric prediction column used as a score); ``accuracy``
the predicted class; ``rmse``, ``mae`` and ``r2`` the numeric prediction.

Example:
    >>> import pandas as pd
    >>> y = pd.Series([0, 1, 1, 0])
    >>> p1 = [0.1, 0.8, 0.4, 0.3]
    >>> pred = pd.DataFrame({"prediction": [0, 1, 0, 0], "proba_0": [1 - p for p in p1], "proba_1": p1})
    >>> score("accuracy", y, pred), score("auc", y, pred)
    (0.75, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError, SchemaError

HIGHER_IS_BETTER = {
    "accuracy": True,
    "auc": True,
    "f1": True,
    "log_loss": False,
    "mae": False,
    "r2": True,
    "rmse": False,
}
MetricFn = Callable[[pd.Series, pd.DataFrame], float]


def metric_name(metric: str | MetricFn) -> str:
    """The name scores are logged under; a known metric name or a callable's ``__name__``."""
    if callable(metric):
        return str(getattr(metric, "__name__", "custom_metric"))
    if metric not in HIGHER_IS_BETTER:
        raise ConfigError(f"unknown metric {metric!r}; known: {sorted(HIGHER_IS_BETTER)} (or pass a callable)")
    return metric


def direction(metric: str | MetricFn, higher_is_better: bool | None) -> bool:
    """Whether a higher score wins: the metric's own direction, or ``higher_is_better`` for a callable.

    An explicit ``higher_is_better`` that contradicts a known metric (``rmse`` with True) is an error.
    """
    if callable(metric):
        if higher_is_better is None:
            raise ConfigError("a callable metric needs higher_is_better=True or False")
        return bool(higher_is_better)
    natural = HIGHER_IS_BETTER[metric_name(metric)]
    if higher_is_better is not None and bool(higher_is_better) != natural:
        raise ConfigError(
            f"{metric} is better when {'higher' if natural else 'lower'}; got higher_is_better={higher_is_better}"
        )
    return natural


def score(metric: str | MetricFn, y_true: pd.Series, pred: pd.DataFrame, prediction_col: str = "prediction") -> float:
    """The ``metric`` of predictions ``pred`` (a ``predict`` output) against labels ``y_true``."""
    if callable(metric):
        return float(metric(y_true, pred))
    name = metric_name(metric)
    from sklearn import metrics as skm

    if name in ("rmse", "mae", "r2"):
        y_hat = _numeric(pred, prediction_col)
        y = pd.to_numeric(y_true, errors="raise").to_numpy(dtype=float)
        if name == "rmse":
            return float(np.sqrt(skm.mean_squared_error(y, y_hat)))
        return float(skm.mean_absolute_error(y, y_hat) if name == "mae" else skm.r2_score(y, y_hat))
    labels = _label_text(y_true)
    if name in ("accuracy", "f1"):
        predicted = _label_text(_column(pred, prediction_col))
        if name == "accuracy":
            return float(np.mean(labels == predicted))
        return float(
            skm.f1_score(
                labels,
                predicted,
                average="binary" if len(set(labels)) <= 2 else "macro",
                pos_label=sorted(set(labels))[-1],
            )
        )
    classes, proba = _probabilities(pred)
    present = sorted(set(labels))
    if name == "auc":
        if len(present) < 2:
            raise SchemaError("auc needs both classes in the hold-out labels; it has only " + repr(present))
        if proba is None:
            return float(skm.roc_auc_score(labels == present[-1], _numeric(pred, prediction_col)))
        if len(classes) == 2:
            positive = _class_index(classes, present[-1])
            return float(skm.roc_auc_score(labels == present[-1], proba[:, positive]))
        return float(skm.roc_auc_score(labels, proba, multi_class="ovr", labels=classes))
    if proba is None:
        raise SchemaError("log_loss needs proba_<class> columns in the model's predictions")
    return float(skm.log_loss(labels, proba, labels=classes))


def _column(pred: pd.DataFrame, col: str) -> pd.Series:
    if col not in pred.columns:
        raise SchemaError(f"the predictions have no column {col!r}; they have {list(pred.columns)}")
    return pred[col]


def _numeric(pred: pd.DataFrame, col: str) -> np.ndarray[Any, Any]:
    values = _column(pred, col)
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        raise SchemaError(f"prediction column {col!r} is not numeric ({values.dtype}); pick a class metric")
    return values.to_numpy(dtype=float)


def _label_text(values: pd.Series) -> np.ndarray[Any, Any]:
    """Labels as text so ``1``, ``1.0`` and ``"1"`` match a ``proba_1`` column."""
    if pd.api.types.is_float_dtype(values.dtype) and np.all(np.mod(values.dropna(), 1) == 0):
        values = values.astype("Int64")
    return values.astype(str).to_numpy()


def _probabilities(pred: pd.DataFrame) -> tuple[list[str], np.ndarray[Any, Any] | None]:
    cols = [c for c in pred.columns if str(c).startswith("proba_")]
    if not cols:
        return [], None
    return [str(c)[len("proba_") :] for c in cols], pred[cols].to_numpy(dtype=float)


def _class_index(classes: list[str], label: str) -> int:
    if label not in classes:
        raise SchemaError(f"label {label!r} has no proba_ column; the model predicts classes {classes}")
    return classes.index(label)
