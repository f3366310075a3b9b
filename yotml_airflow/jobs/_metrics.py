"""Holdout metrics for the fit job: score the holdout on Spark, bring back only labels and predictions.

Classifiers (models with ``proba_<class>`` outputs or ``is_classifier_``): accuracy, f1, roc_auc,
log_loss; regressors: rmse, mae, r2. Defaults: accuracy (+ roc_auc when binary with probabilities)
for a classifier, rmse, mae and r2 for a regressor.

>>> sorted(METRICS)
['accuracy', 'f1', 'log_loss', 'mae', 'r2', 'rmse', 'roc_auc']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError, SchemaError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from yotml_airflow.models import Model

CLASSIFIER_METRICS = ("accuracy", "f1", "roc_auc", "log_loss")
REGRESSOR_METRICS = ("rmse", "mae", "r2")
METRICS = CLASSIFIER_METRICS + REGRESSOR_METRICS


def parse_metrics(text: str | None) -> list[str] | None:
    """``"accuracy,roc_auc"`` -> ``["accuracy", "roc_auc"]``; ``ConfigError`` for an unknown name."""
    if not text:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ConfigError(f"--metrics: unknown metric(s) {unknown}; known: {list(METRICS)}")
    return names


def _last_step(model: Model) -> Any:
    steps = getattr(model, "steps_", None)
    return steps[-1] if steps else model


def evaluate(model: Model, holdout: DataFrame, target: str, names: list[str] | None, max_rows: int) -> dict[str, float]:
    """The named metrics of ``model`` on ``holdout`` (labels in ``target``)."""
    from sklearn import metrics as skm

    from yotml_airflow.spark import batch_transform, collect_bounded

    if target not in holdout.columns:
        raise SchemaError(f"holdout has no target column {target!r}; it has {holdout.columns}")
    last = _last_step(model)
    outputs = list(model.output_columns())
    pred_col = getattr(last, "prediction_col", outputs[0])
    proba_cols = [c for c in outputs if c.startswith("proba_")]
    classifier = bool(proba_cols) or bool(getattr(last, "is_classifier_", False))
    if names is None:
        names = ["accuracy"] + (["roc_auc"] if len(proba_cols) == 2 else []) if classifier else list(REGRESSOR_METRICS)
    wrong = [n for n in names if n not in (CLASSIFIER_METRICS if classifier else REGRESSOR_METRICS)]
    if wrong:
        kind = "classifier" if classifier else "regressor"
        raise ConfigError(f"--metrics {wrong} do not apply to a {kind}")
    scored = batch_transform(model, holdout, keep_columns=[target]).select(target, pred_col, *proba_cols)
    frame = collect_bounded(scored, max_rows, what="the holdout").dropna(subset=[target])
    y, pred = frame[target].to_numpy(), frame[pred_col].to_numpy()
    known = getattr(last, "classes_", None)
    classes = list(known) if known is not None else _classes_from_columns(proba_cols, y)
    proba = frame[proba_cols].to_numpy() if proba_cols else None
    out: dict[str, float] = {}
    for name in names:
        if name == "accuracy":
            out[name] = skm.accuracy_score(y, pred)
        elif name == "f1":
            out[name] = skm.f1_score(y, pred, average="binary" if len(classes) == 2 else "macro", pos_label=classes[-1])
        elif name in ("roc_auc", "log_loss"):
            if proba is None:
                raise ConfigError(f"--metrics {name} needs probabilities; the model has no proba_ outputs")
            if name == "log_loss":
                out[name] = skm.log_loss(y, proba, labels=classes)
            elif len(classes) == 2:
                out[name] = skm.roc_auc_score(y == classes[1], proba[:, 1])
            else:
                out[name] = skm.roc_auc_score(y, proba, multi_class="ovr", labels=classes)
        elif name == "rmse":
            out[name] = float(np.sqrt(skm.mean_squared_error(y, pred)))
        elif name == "mae":
            out[name] = skm.mean_absolute_error(y, pred)
        else:
            out[name] = skm.r2_score(y, pred)
    return {k: float(v) for k, v in out.items()}


def _classes_from_columns(proba_cols: list[str], y: Any) -> list[Any]:
    """The class labels behind ``proba_<class>`` columns, typed like the label column (``"1"`` -> ``1``).

    >>> import numpy as np
    >>> [int(c) for c in _classes_from_columns(["proba_0", "proba_1"], np.array([1, 0, 1]))]
    [0, 1]
    """
    by_text = {str(v): v for v in pd.unique(y)}
    return [by_text.get(c.removeprefix("proba_"), c.removeprefix("proba_")) for c in proba_cols]
