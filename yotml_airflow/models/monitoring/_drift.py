"""``DriftMonitor`` and ``PredictionDriftMonitor``: data drift with thresholds learned from the reference.

``fit(reference)`` bins every feature (see ``_profile``), splits the reference into ``n_chunks``
chunks and computes each metric of every chunk against the rest of the reference; the spread of
those values gives a threshold per (feature, metric), rescaled at ``predict`` time to the size of
the batch (see ``_thresholds``). ``predict(current)`` returns the report: one row per feature and
metric with the value, threshold, baseline and alert flag.

Chunks are compared with the *rest* of the reference rather than with the whole: a chunk is part
of the whole, so chunk-vs-whole understates the noise and never sees an "unseen" value.

Example:
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b"], size=2000)})
    >>> monitor = DriftMonitor().fit(ref)
    >>> cur = pd.DataFrame({"x": rng.normal(loc=1.0, size=500), "c": rng.choice(["a", "b"], size=500)})
    >>> report = monitor.predict(cur)
    >>> sorted(report.loc[report["alert"], "feature"].unique())
    ['x']
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError, NotFittedError
from yotml_airflow.models._base import Model
from yotml_airflow.models.monitoring._metrics import (
    ALL_METRICS,
    CATEGORICAL_METRICS,
    MARGIN,
    NUMERIC_METRICS,
    SCALING,
    applicable,
    metric_sizes,
    metric_values,
)
from yotml_airflow.models.monitoring._monitor import Monitor, report_frame
from yotml_airflow.models.monitoring._profile import (
    CategoricalProfile,
    NumericProfile,
    Summary,
    categorical_profile,
    category_values,
    empty_summary,
    feature_kind,
    numeric_profile,
    numeric_values,
    summarize_categorical,
    summarize_numeric,
)
from yotml_airflow.models.monitoring._thresholds import Threshold, learn_threshold

Profile = NumericProfile | CategoricalProfile


class DriftMonitor(Monitor):
    """Per-feature drift of a batch against a reference, with learned per-metric thresholds.

    Args:
        features: columns to monitor. Default: every column of the reference except those in
            ``exclude``, date-time columns (a timestamp always "drifts") and identifier-like text
            columns (every value distinct, e.g. ``customer_id``).
        exclude: columns never monitored when ``features`` is ``None`` (labels, keys).
        metrics: metric names (default: all that apply to each feature's kind; see ``_metrics``).
        n_chunks: reference chunks used to learn thresholds (at least 2; 10-20 is typical).
        k: the threshold is baseline + k spreads of the chunk values (rescaled to the batch size).
        bins: coarse quantile bins for PSI and Jensen-Shannon.
        resolution: fine quantiles for KS and Wasserstein; a multiple of ``bins``.
        max_categories: most frequent categories that get their own bin; the rest share one.
        shuffle: chunk a random permutation of the reference (``False``: contiguous chunks in frame
            order, which keeps time-ordered variation, e.g. day-to-day, inside the thresholds).
        seed: seed of the permutation.
        n_repeats: with ``shuffle``, how many different random chunkings feed the thresholds; more
            chunk values give a steadier estimate of the spread (10 chunks alone under-estimate it,
            and a 3-spread threshold then fires about once per hundred checks).
    """

    accepts_partial_input = True

    def __init__(
        self,
        features: list[str] | None = None,
        metrics: list[str] | None = None,
        exclude: list[str] | None = None,
        n_chunks: int = 10,
        k: float = 3.0,
        bins: int = 10,
        resolution: int = 100,
        max_categories: int = 50,
        shuffle: bool = True,
        seed: int = 0,
        n_repeats: int = 5,
    ):
        self.features = features
        self.metrics = metrics
        self.exclude = exclude
        self.n_chunks = n_chunks
        self.k = k
        self.bins = bins
        self.resolution = resolution
        self.max_categories = max_categories
        self.shuffle = shuffle
        self.seed = seed
        self.n_repeats = n_repeats

    # ---- what is monitored ----------------------------------------------------------------------
    def _feature_list(self) -> list[str] | None:
        return None if self.features is None else list(self.features)

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        features = self._feature_list()
        return _default_features(df, self.exclude) if features is None else features

    def _values(self, df: pd.DataFrame) -> pd.DataFrame:
        """The frame whose columns are monitored (predictions, for ``PredictionDriftMonitor``)."""
        return df

    def _monitored(self, values: pd.DataFrame) -> list[str]:
        features = self._feature_list()
        if features is not None:
            return features
        if hasattr(self, "profiles_"):
            return list(self.profiles_)
        return _default_features(values, self.exclude)

    # ---- fit --------------------------------------------------------------------------------------
    def _validate(self, n_rows: int) -> None:
        name = type(self).__name__
        unknown = sorted(set(self.metrics or []) - set(ALL_METRICS))
        if unknown:
            raise ConfigError(f"{name}: unknown metric(s) {unknown}; choose from {list(ALL_METRICS)}")
        if self.metrics is not None and not self.metrics:
            raise ConfigError(f"{name}: metrics is empty; pass None for the defaults")
        if int(self.n_chunks) < 2:
            raise ConfigError(f"{name}: n_chunks must be at least 2, got {self.n_chunks}")
        if self.bins < 2 or self.resolution % self.bins:
            raise ConfigError(f"{name}: resolution ({self.resolution}) must be a multiple of bins ({self.bins}) >= 2")
        if n_rows < 2 * self.n_chunks:
            raise ConfigError(
                f"{name}: the reference has {n_rows} rows, too few for {self.n_chunks} chunks of 2+ rows; "
                "lower n_chunks or give a larger reference"
            )

    def _fit(self, df: pd.DataFrame) -> None:
        values = self._values(df)
        self._validate(len(values))
        monitored = self._monitored(values)
        n, c = len(values), int(self.n_chunks)
        if self.shuffle:
            rng = np.random.default_rng(self.seed)
            chunk_ids = [rng.permutation(n) % c for _ in range(max(int(self.n_repeats), 1))]
        else:
            chunk_ids = [np.arange(n) * c // n]
        self.kinds_: dict[str, str] = {}
        self.profiles_: dict[str, Profile] = {}
        self.reference_: dict[str, Summary] = {}
        self.metrics_: dict[str, list[str]] = {}
        self.thresholds_: dict[str, dict[str, Threshold]] = {}
        self.n_reference_ = n
        for feature in monitored:
            self._fit_feature(feature, values[feature], chunk_ids, c)

    def _fit_feature(self, feature: str, series: pd.Series, chunk_ids: list[np.ndarray], c: int) -> None:
        kind = feature_kind(series)
        wanted = self.metrics or (NUMERIC_METRICS if kind == "numeric" else CATEGORICAL_METRICS)
        metrics = [m for m in ALL_METRICS if m in wanted and applicable(m, kind)]
        if kind == "numeric":
            x = numeric_values(series)
            profile: Profile = numeric_profile(x, resolution=self.resolution, bins=self.bins)
            assert isinstance(profile, NumericProfile)
            whole = summarize_numeric(profile, x)
            pairs = [_numeric_chunks(profile, x, whole, ids, c) for ids in chunk_ids]
        else:
            labels = category_values(series)
            profile = categorical_profile(labels, max_categories=self.max_categories)
            assert isinstance(profile, CategoricalProfile)
            whole = summarize_categorical(profile, labels)
            pairs = [_categorical_chunks(profile, labels, whole, ids, c) for ids in chunk_ids]
        rest, chunk = _concat([p[0] for p in pairs]), _concat([p[1] for p in pairs])
        thresholds = {}
        for metric in metrics:
            vals = metric_values(metric, profile, rest, chunk)
            sizes, rest_sizes = metric_sizes(metric, rest, chunk)
            thresholds[metric] = learn_threshold(vals, sizes, rest_sizes, SCALING[metric], margin=MARGIN[metric])
        self.kinds_[feature] = kind
        self.profiles_[feature] = profile
        self.reference_[feature] = whole
        self.metrics_[feature] = metrics
        self.thresholds_[feature] = thresholds

    # ---- predict ----------------------------------------------------------------------------------
    def summarize(self, df: pd.DataFrame) -> dict[str, Summary]:
        """Per-feature summaries of batch ``df`` (what ``report`` needs; Spark builds the same)."""
        self._require_fitted()
        values = self._values(df)
        out = {}
        for feature, profile in self.profiles_.items():
            if feature not in values.columns:
                out[feature] = empty_summary(profile, len(values))
            elif isinstance(profile, NumericProfile):
                out[feature] = summarize_numeric(profile, numeric_values(values[feature]))
            else:
                out[feature] = summarize_categorical(profile, category_values(values[feature]))
        return out

    def report(self, summaries: dict[str, Summary]) -> pd.DataFrame:
        """The report for per-feature summaries of a batch."""
        rows: list[dict[str, object]] = []
        for feature, metrics in self.metrics_.items():
            current, reference = summaries[feature], self.reference_[feature]
            for metric in metrics:
                value = float(metric_values(metric, self.profiles_[feature], reference, current)[0])
                m, n = (float(z[0]) for z in metric_sizes(metric, reference, current))
                baseline, threshold = self.thresholds_[feature][metric].at(float(self.k), m, n)
                rows.append(_row(feature, metric, value, threshold, baseline, current.n_rows))
        return report_frame(rows)

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return self.report(self.summarize(df))


class PredictionDriftMonitor(DriftMonitor):
    """Drift of a model's outputs (predictions, class probabilities) against reference predictions.

    With ``model`` (a fitted ``Model``), ``fit``/``predict`` take the model's *input* frames and
    score them first; ``columns`` default to all of the model's output columns. Without ``model``
    the frames already hold the predictions (e.g. after a ``SklearnModel`` step in a pipeline, or a
    scored table) and ``columns`` default to ``["prediction"]``. Other arguments as ``DriftMonitor``.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(1)
        >>> ref = pd.DataFrame({"prediction": rng.uniform(size=1000)})
        >>> monitor = PredictionDriftMonitor(metrics=["psi", "ks"]).fit(ref)
        >>> monitor.predict(pd.DataFrame({"prediction": rng.uniform(0.5, 1.0, size=300)}))["alert"].all()
        np.True_
    """

    def __init__(
        self,
        model: Model | None = None,
        columns: list[str] | None = None,
        metrics: list[str] | None = None,
        n_chunks: int = 10,
        k: float = 3.0,
        bins: int = 10,
        resolution: int = 100,
        max_categories: int = 50,
        shuffle: bool = True,
        seed: int = 0,
        n_repeats: int = 5,
    ):
        self.model = model
        self.columns = columns
        self.metrics = metrics
        self.n_chunks = n_chunks
        self.k = k
        self.bins = bins
        self.resolution = resolution
        self.max_categories = max_categories
        self.shuffle = shuffle
        self.seed = seed
        self.n_repeats = n_repeats

    def clone(self) -> PredictionDriftMonitor:
        """A new unfitted monitor over the *same* fitted model (the model is observed, not trained)."""
        params = self.get_params()
        model = params.pop("model")
        return type(self)(model=model, **copy.deepcopy(params))

    def _feature_list(self) -> list[str]:
        """The monitored output columns."""
        if self.columns is not None:
            return list(self.columns)
        if self.model is not None:
            self._require_model()
            return list(self.model.output_columns())
        return ["prediction"]

    def _require_model(self) -> None:
        if self.model is not None and not self.model.is_fitted():
            raise NotFittedError(
                f"PredictionDriftMonitor: its model {type(self.model).__name__} is not fitted; pass a fitted model, "
                "or put the monitor after the model in a ModelPipeline and leave model=None"
            )

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        if self.model is None:
            return self._feature_list()
        self._require_model()
        return list(self.model.input_schema_)

    def _values(self, df: pd.DataFrame) -> pd.DataFrame:
        return df if self.model is None else self.model.predict(df)


def _row(feature: str, metric: str, value: float, threshold: float, baseline: float, n_rows: int) -> dict[str, object]:
    alert = bool(math.isfinite(value) and math.isfinite(threshold) and value > threshold)
    return {
        "segment": None,
        "feature": feature,
        "metric": metric,
        "value": value,
        "threshold": threshold,
        "alert": alert,
        "bound": "upper",
        "baseline": baseline,
        "n_rows": n_rows,
    }


def _concat(parts: list[Summary]) -> Summary:
    sums = None if parts[0].sums is None else np.concatenate([p.sums for p in parts if p.sums is not None])
    return Summary(
        np.concatenate([p.n_rows for p in parts]),
        np.concatenate([p.n_missing for p in parts]),
        np.concatenate([p.counts for p in parts]),
        sums,
        np.concatenate([np.atleast_1d(p.n_unseen) for p in parts]),
    )


def _stack(
    whole: Summary,
    rows: np.ndarray,
    missing: np.ndarray,
    counts: np.ndarray,
    sums: np.ndarray | None,
    unseen: np.ndarray,
) -> tuple[Summary, Summary]:
    chunk = Summary(rows, missing, counts, sums, unseen)
    rest = Summary(
        whole.n_rows - rows,
        whole.n_missing - missing,
        whole.counts[None, :] - counts,
        None if sums is None or whole.sums is None else whole.sums[None, :] - sums,
    )
    return rest, chunk


def _numeric_chunks(
    profile: NumericProfile, x: np.ndarray, whole: Summary, ids: np.ndarray, c: int
) -> tuple[Summary, Summary]:
    valid = np.isfinite(x)
    xv, iv = x[valid], ids[valid]
    size = len(profile.edges) + 1
    codes = np.searchsorted(profile.edges, xv, side="right")
    counts = np.bincount(iv * size + codes, minlength=c * size).reshape(c, size)
    sums = np.bincount(iv * size + codes, weights=xv, minlength=c * size).reshape(c, size)
    lows = np.full(c, np.inf)
    highs = np.full(c, -np.inf)
    np.minimum.at(lows, iv, xv)
    np.maximum.at(highs, iv, xv)
    order = np.argsort(lows)
    rest_low = np.where(np.arange(c) == order[0], lows[order[1]], lows[order[0]])
    order = np.argsort(-highs)
    rest_high = np.where(np.arange(c) == order[0], highs[order[1]], highs[order[0]])
    unseen = np.bincount(iv, weights=(xv < rest_low[iv]) | (xv > rest_high[iv]), minlength=c)
    rows = np.bincount(ids, minlength=c)
    missing = np.bincount(ids[~valid], minlength=c)
    return _stack(whole, rows, missing, counts, sums, unseen)


def _categorical_chunks(
    profile: CategoricalProfile, labels: pd.Series, whole: Summary, ids: np.ndarray, c: int
) -> tuple[Summary, Summary]:
    present = labels.notna().to_numpy()
    index = pd.Index(profile.categories, dtype="object").get_indexer(pd.Index(labels[present].to_numpy(dtype=object)))
    u = max(len(profile.categories), 1)
    per_category = np.bincount(ids[present] * u + index, minlength=c * u).reshape(c, u)
    rest = per_category.sum(axis=0)[None, :] - per_category
    unseen = np.where(rest == 0, per_category, 0).sum(axis=1)
    bins = np.zeros((c, profile.top + 2), dtype="int64")
    np.add.at(
        bins.T, profile.bin_of_index(np.arange(len(profile.categories))), per_category[:, : len(profile.categories)].T
    )
    rows = np.bincount(ids, minlength=c)
    missing = np.bincount(ids[~present], minlength=c)
    return _stack(whole, rows, missing, bins, None, unseen)


def _default_features(df: pd.DataFrame, exclude: list[str] | None) -> list[str]:
    """Columns worth monitoring: not excluded, not date-times, not identifier-like text."""
    skip = set(exclude or [])
    chosen = []
    for col in df.columns:
        series = df[col]
        if col in skip or pd.api.types.is_datetime64_any_dtype(series.dtype):
            continue
        is_text = pd.api.types.is_string_dtype(series.dtype) or series.dtype == object
        if is_text and len(series) > 20 and series.nunique(dropna=True) == series.notna().sum():
            continue
        chosen.append(col)
    return chosen
