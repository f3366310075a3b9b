"""``PerformanceMonitor``: model quality once labels arrive, with thresholds learned on the reference.

``fit(reference)`` takes a labelled, scored reference (e.g. the validation set with the model's
predictions), computes each metric on ``n_chunks`` chunks and learns a bound from their spread:
a lower bound for higher-is-better metrics (AUC, accuracy), an upper bound for losses (log loss,
RMSE, MAE), rescaled to the batch size. ``predict(current)`` reports each metric on a labelled
batch; rows whose label is still missing are ignored.

Metrics, computed with numpy and scipy (no scikit-learn in the model layer):

- classification: ``accuracy`` (label == prediction), ``auc`` (Mann-Whitney U from
  ``scipy.stats.rankdata``, ties counted half; needs ``score``), ``log_loss`` (``score`` clipped to
  [1e-15, 1 - 1e-15]; needs ``score``). ``score`` is the probability of the ``positive`` class.
- regression: ``rmse``, ``mae``.

Example:
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> score = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(0, 0.2, 2000), 0, 1)
    >>> ref = pd.DataFrame({"y": y, "p": (score > 0.5).astype(int), "s": score})
    >>> monitor = PerformanceMonitor(label="y", prediction="p", score="s").fit(ref)
    >>> bad = ref.sample(400, random_state=1).assign(s=lambda d: rng.uniform(size=len(d)))
    >>> monitor.predict(bad.assign(p=(bad["s"] > 0.5).astype(int)))[["metric", "alert"]].values.tolist()
    [['accuracy', True], ['auc', True], ['log_loss', True]]
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError
from yotml_airflow.models.monitoring._monitor import Monitor, report_frame
from yotml_airflow.models.monitoring._thresholds import Threshold, learn_threshold

CLASSIFICATION_METRICS = ("accuracy", "auc", "log_loss")
REGRESSION_METRICS = ("rmse", "mae")
HIGHER_IS_BETTER = ("accuracy", "auc")
_ABSOLUTE_MARGIN = {"accuracy": 0.02, "auc": 0.02}
_RELATIVE_MARGIN = 0.05
_EPS = 1e-15


def performance_metric(metric: str, arrays: dict[str, np.ndarray]) -> float:
    """One metric from aligned arrays: ``y`` and ``prediction`` (raw), ``positive`` (0/1) and ``score``."""
    from scipy.stats import rankdata

    y = arrays["y"]
    if y.size == 0:
        return math.nan
    if metric == "accuracy":
        return float(np.mean(y == arrays["prediction"]))
    if metric == "rmse":
        return float(np.sqrt(np.mean((y - arrays["prediction"]) ** 2)))
    if metric == "mae":
        return float(np.mean(np.abs(y - arrays["prediction"])))
    positive, score = arrays["positive"], arrays["score"]
    if metric == "log_loss":
        p = np.clip(score, _EPS, 1 - _EPS)
        return float(-np.mean(positive * np.log(p) + (1 - positive) * np.log(1 - p)))
    if metric == "auc":
        n_pos = int(positive.sum())
        n_neg = positive.size - n_pos
        if n_pos == 0 or n_neg == 0:
            return math.nan
        ranks = rankdata(score)
        return float((ranks[positive == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    raise KeyError(metric)


class PerformanceMonitor(Monitor):
    """Quality of a model's predictions against labels, with learned bounds per metric.

    Args:
        label: column with the true label (or target value).
        prediction: column with the predicted class (or value); ``None`` if only ``score`` is given.
        score: classification only: column with the probability of the ``positive`` class.
        task: ``"classification"`` or ``"regression"``.
        metrics: subset of the task's metrics (default: all that the given columns allow).
        positive: the label value counted as positive for ``auc`` and ``log_loss``.
        n_chunks, k, shuffle, seed: as for ``DriftMonitor``.
    """

    def __init__(
        self,
        label: str = "label",
        prediction: str | None = "prediction",
        score: str | None = None,
        task: str = "classification",
        metrics: list[str] | None = None,
        positive: object = 1,
        n_chunks: int = 10,
        k: float = 3.0,
        shuffle: bool = True,
        seed: int = 0,
    ):
        self.label = label
        self.prediction = prediction
        self.score = score
        self.task = task
        self.metrics = metrics
        self.positive = positive
        self.n_chunks = n_chunks
        self.k = k
        self.shuffle = shuffle
        self.seed = seed

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return [c for c in (self.label, self.prediction, self.score) if c is not None]

    def _chosen_metrics(self) -> list[str]:
        name = type(self).__name__
        if self.task not in ("classification", "regression"):
            raise ConfigError(f"{name}: task must be 'classification' or 'regression', got {self.task!r}")
        allowed = CLASSIFICATION_METRICS if self.task == "classification" else REGRESSION_METRICS
        unknown = sorted(set(self.metrics or []) - set(allowed))
        if unknown:
            raise ConfigError(f"{name}: unknown {self.task} metric(s) {unknown}; choose from {list(allowed)}")
        chosen = [m for m in allowed if self.metrics is None or m in self.metrics]
        needs = {m: "prediction" for m in ("accuracy", "rmse", "mae")} | {"auc": "score", "log_loss": "score"}
        unmet = [f"{m} needs {needs[m]}=" for m in chosen if getattr(self, needs[m]) is None]
        if self.metrics is not None and unmet:
            raise ConfigError(f"{name}: " + "; ".join(unmet))
        chosen = [m for m in chosen if getattr(self, needs[m]) is not None]
        if not chosen:
            raise ConfigError(f"{name}: no metric can be computed; give prediction= and/or score= columns")
        return chosen

    def feature_of(self, metric: str) -> str:
        """The column a metric judges (reported in the ``feature`` column)."""
        column = self.score if metric in ("auc", "log_loss") else self.prediction
        assert column is not None
        return column

    def _arrays(self, df: pd.DataFrame) -> dict[str, np.ndarray]:
        labelled = df[df[self.label].notna()]
        raw = labelled[self.label]
        out: dict[str, np.ndarray] = {}
        if self.task == "regression":
            out["y"] = raw.to_numpy(dtype="float64")
            out["prediction"] = labelled[self.prediction].to_numpy(dtype="float64")
            return out
        out["y"] = raw.to_numpy()
        if self.prediction is not None:
            out["prediction"] = labelled[self.prediction].to_numpy()
        if self.score is not None:
            out["positive"] = (raw == self.positive).to_numpy().astype("int64")
            out["score"] = labelled[self.score].to_numpy(dtype="float64")
        return out

    def _fit(self, df: pd.DataFrame) -> None:
        metrics = self._chosen_metrics()
        arrays = self._arrays(df)
        n, c = arrays["y"].size, int(self.n_chunks)
        if c < 2 or n < 2 * c:
            raise ConfigError(
                f"{type(self).__name__}: {n} labelled reference rows are too few for {c} chunks of 2+ rows "
                "(n_chunks must be >= 2)"
            )
        ids = np.random.default_rng(self.seed).permutation(n) % c if self.shuffle else np.arange(n) * c // n
        self.metrics_ = metrics
        self.reference_ = {m: performance_metric(m, arrays) for m in metrics}
        self.n_reference_ = n
        self.thresholds_: dict[str, Threshold] = {}
        for metric in metrics:
            vals, sizes = [], []
            for i in range(c):
                mask = ids == i
                vals.append(performance_metric(metric, {key: a[mask] for key, a in arrays.items()}))
                sizes.append(float(mask.sum()))
            bound = "lower" if metric in HIGHER_IS_BETTER else "upper"
            threshold = learn_threshold(vals, sizes, [n - s for s in sizes], "rate", margin=0.0, bound=bound)
            margin = _ABSOLUTE_MARGIN.get(metric, _RELATIVE_MARGIN * abs(threshold.center))
            self.thresholds_[metric] = dataclasses.replace(threshold, margin=margin)

    def report_from_values(self, values: dict[str, float], n_rows: int) -> pd.DataFrame:
        """The report for metric values measured on ``n_rows`` labelled rows (Spark uses this)."""
        rows: list[dict[str, object]] = []
        for metric in self.metrics_:
            value = float(values[metric])
            baseline, threshold = self.thresholds_[metric].at(float(self.k), float(n_rows), float(self.n_reference_))
            bound = self.thresholds_[metric].bound
            finite = math.isfinite(value) and math.isfinite(threshold)
            alert = finite and (value < threshold if bound == "lower" else value > threshold)
            rows.append(
                {
                    "segment": None,
                    "feature": self.feature_of(metric),
                    "metric": metric,
                    "value": value,
                    "threshold": threshold,
                    "alert": bool(alert),
                    "bound": bound,
                    "baseline": baseline,
                    "n_rows": n_rows,
                }
            )
        return report_frame(rows)

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        arrays = self._arrays(df)
        values = {m: performance_metric(m, arrays) for m in self.metrics_}
        return self.report_from_values(values, int(arrays["y"].size))
