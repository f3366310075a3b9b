"""Reference profiles and the small summaries every drift metric is computed from.

A monitor never keeps the reference rows. It keeps, per feature, a *profile* (how to bin a
column) and the reference *summary* (counts per bin). Any frame - a reference chunk, a pandas
batch, or a Spark table aggregated with ``groupBy().count()`` - is reduced to the same summary,
so both engines compute identical statistics from identical numbers.

- numeric: ``resolution`` reference quantiles cut the line into fine bins ``[e_i, e_{i+1})``
  (first and last open-ended); per bin the count and the sum of values (the sum gives each bin's
  mean, which places the mass for Wasserstein). Every ``resolution // bins``-th edge is also a
  coarse edge, so PSI and Jensen-Shannon use ``bins`` quantile bins merged from the fine ones.
  Non-finite values count as missing; values outside the reference ``[min, max]`` are "unseen".
- categorical (strings, booleans): the ``max_categories`` most frequent reference values, one
  ``other`` bin for the remaining known values and one ``unseen`` bin for values never seen.

Example:
    >>> import numpy as np
    >>> p = numeric_profile(np.arange(100.0), resolution=10, bins=5)
    >>> len(p.edges), p.coarse_of_fine.tolist()
    (9, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    >>> summarize_numeric(p, np.array([5.0, np.nan, 500.0])).counts.tolist()
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.models._schema import kind_of

UNSEEN = "__unseen__"
OTHER = "__other__"


@dataclass
class NumericProfile:
    """How a numeric feature is binned, learned from the reference."""

    edges: np.ndarray
    coarse_of_fine: np.ndarray
    low: float
    high: float
    scale: float


@dataclass
class CategoricalProfile:
    """Known reference categories (most frequent first); the first ``top`` get their own bin."""

    categories: list[str]
    top: int

    @property
    def labels(self) -> list[str]:
        """Bin labels: top categories, then ``__other__``, then ``__unseen__``."""
        return [*self.categories[: self.top], OTHER, UNSEEN]

    def bin_of_index(self, index: np.ndarray) -> np.ndarray:
        """Bin number for positions in ``categories`` (-1 = unseen)."""
        out = np.where(index < self.top, index, self.top)
        return np.where(index < 0, self.top + 1, out)


@dataclass
class Summary:
    """Counts that a metric needs from one frame for one feature.

    Scalars and 1-d ``counts``/``sums`` for one frame; arrays with a leading axis when several
    frames (reference chunks) are stacked.
    """

    n_rows: Any
    n_missing: Any
    counts: np.ndarray
    sums: np.ndarray | None = None
    n_unseen: Any = 0

    @property
    def n_valid(self) -> Any:
        """Rows with a value (not missing)."""
        return self.n_rows - self.n_missing


def feature_kind(series: pd.Series) -> str:
    """``"numeric"`` (numbers, datetimes) or ``"categorical"`` (strings, booleans, anything else)."""
    kind = kind_of(series)
    return "numeric" if kind in ("numeric", "datetime") else "categorical"


def numeric_values(series: pd.Series) -> np.ndarray:
    """Float values of a numeric or datetime column; missing and non-finite values become NaN.

    Datetimes become seconds since the epoch (microseconds / 1e6, as on Spark).
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        micros = series.astype("datetime64[us]")
        out = micros.to_numpy(dtype="datetime64[us]").astype("int64").astype("float64") / 1e6
        out[micros.isna().to_numpy()] = np.nan
        return out
    out = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


def category_values(series: pd.Series) -> pd.Series:
    """String labels of a categorical column (booleans as ``"true"``/``"false"``, like Spark)."""
    if kind_of(series) == "bool":
        return series.map({True: "true", False: "false"}, na_action="ignore").astype("object")
    return series.astype("object").where(series.notna(), None).map(str, na_action="ignore")


def numeric_profile(values: np.ndarray, *, resolution: int, bins: int) -> NumericProfile:
    """Quantile edges of the finite ``values`` (fine grid of ``resolution``, coarse grid of ``bins``)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return NumericProfile(np.array([]), np.zeros(1, dtype="int64"), np.nan, np.nan, 1.0)
    quantiles = np.quantile(finite, np.arange(resolution + 1) / resolution)
    step = resolution // bins
    inner = quantiles[1:-1]
    edges = np.unique(inner)
    coarse = np.unique(inner[step - 1 :: step])
    lower = np.concatenate([[-np.inf], edges])
    coarse_of_fine = np.searchsorted(coarse, lower, side="right")
    std = float(finite.std())
    return NumericProfile(edges, coarse_of_fine, float(finite.min()), float(finite.max()), std if std > 0 else 1.0)


def categorical_profile(labels: pd.Series, *, max_categories: int) -> CategoricalProfile:
    """Known categories ordered by reference frequency (ties by label)."""
    counts = labels.dropna().value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    categories = [str(k) for k, _ in order]
    return CategoricalProfile(categories, min(max_categories, len(categories)))


def summarize_numeric(profile: NumericProfile, values: np.ndarray) -> Summary:
    """Fine-bin counts and sums, missing count and out-of-range count of ``values``."""
    valid = np.isfinite(values)
    x = values[valid]
    codes = np.searchsorted(profile.edges, x, side="right")
    size = len(profile.edges) + 1
    counts = np.bincount(codes, minlength=size).astype("int64")
    sums = np.bincount(codes, weights=x, minlength=size).astype("float64")
    unseen = int(((x < profile.low) | (x > profile.high)).sum()) if x.size else 0
    return Summary(int(values.size), int((~valid).sum()), counts, sums, unseen)


def summarize_categorical(profile: CategoricalProfile, labels: pd.Series) -> Summary:
    """Per-bin counts (top categories, other, unseen) and the missing count of ``labels``."""
    present = labels.notna().to_numpy()
    index = pd.Index(profile.categories, dtype="object").get_indexer(pd.Index(labels[present].to_numpy(dtype=object)))
    binned = profile.bin_of_index(index)
    counts = np.bincount(binned, minlength=profile.top + 2).astype("int64")
    return Summary(int(labels.size), int((~present).sum()), counts, None, int(counts[-1]))


def empty_summary(profile: NumericProfile | CategoricalProfile, n_rows: int) -> Summary:
    """The summary of a feature absent from a frame of ``n_rows`` rows: everything missing."""
    if isinstance(profile, NumericProfile):
        size = len(profile.edges) + 1
        return Summary(n_rows, n_rows, np.zeros(size, dtype="int64"), np.zeros(size), 0)
    return Summary(n_rows, n_rows, np.zeros(profile.top + 2, dtype="int64"), None, 0)
