"""Thresholds learned from a chunked reference and rescaled to the size of the batch being checked.

A monitor splits its reference into chunks, computes each metric for every chunk against the rest
of the reference, and keeps the centre and spread of those values. The spread of a drift statistic
under no drift depends on the sample sizes, so the learned values are stored *per unit of sampling
noise* and rescaled to the sizes of the current batch:

- ``"sqrt"`` (KS, Jensen-Shannon distance, Wasserstein): noise ~ sqrt(1/n_a + 1/n_b);
- ``"inverse"`` (PSI): noise ~ 1/n_a + 1/n_b;
- ``"none"`` (chi-square statistic): its no-drift distribution does not depend on the sizes;
- ``"rate"`` (missing rate, unseen rate, accuracy, AUC, losses): the centre is the reference level,
  the spread scales like sqrt(1/m + 1/n) (the batch's noise plus the reference level's own).

Drift statistics are right-skewed, and ``mean + 3 sd`` of a skewed statistic fires far more often
than the normal 0.13%: PSI and chi-square (chi-square-like) are learned on the cube-root scale
(Wilson-Hilferty), KS, Jensen-Shannon and Wasserstein (Kolmogorov-like) on the log scale, where
each is close to normal. The threshold is ``centre + k * spread`` (``centre - k * spread`` for
higher-is-better metrics), kept at least ``margin`` away from the centre so a degenerate reference
(a constant column, no missing values at all) does not alert on the first tiny change.

Example:
    >>> t = learn_threshold([0.10, 0.12, 0.08], [100, 100, 100], [200, 200, 200], "rate", margin=0.01)
    >>> baseline, threshold = t.at(k=3.0, m=100, n=300)
    >>> round(baseline, 3), round(threshold, 3)
    (0.1, 0.169)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

SCALINGS = ("sqrt", "inverse", "none", "rate")
_SQUARED = ("inverse", "none")
_TINY = 1e-12


def noise_scale(scaling: str, n_a: float, n_b: float) -> float:
    """The size factor of a statistic's no-drift noise for samples of ``n_a`` and ``n_b`` values."""
    if n_a <= 0 or n_b <= 0:
        return math.nan
    if scaling == "sqrt":
        return math.sqrt(1.0 / n_a + 1.0 / n_b)
    if scaling == "inverse":
        return 1.0 / n_a + 1.0 / n_b
    return 1.0


@dataclass(frozen=True)
class Threshold:
    """A learned threshold for one (feature, metric): centre, spread and how they scale with size."""

    scaling: str
    center: float
    spread: float
    margin: float
    bound: str
    chunk_size: float

    def at(self, k: float, m: float, n: float) -> tuple[float, float]:
        """``(baseline, threshold)`` for a batch of ``m`` values checked against ``n`` reference values."""
        if self.scaling == "rate":
            spread = self.spread * math.sqrt(self.chunk_size * (1.0 / m + 1.0 / n)) if m > 0 and n > 0 else math.nan
            width = max(k * spread, self.margin) if not math.isnan(spread) else math.nan
            baseline = self.center
            threshold = baseline + width if self.bound == "upper" else baseline - width
            return baseline, threshold
        g = noise_scale(self.scaling, m, n) if self.scaling != "none" else 1.0
        if self.scaling in _SQUARED:
            baseline = self.center**3 * g
            return baseline, max((self.center + k * self.spread) ** 3 * g, baseline + self.margin)
        baseline = math.exp(self.center) * g
        return baseline, max(math.exp(self.center + k * self.spread) * g, baseline + self.margin)


def learn_threshold(
    values: ArrayLike,
    sizes: ArrayLike,
    rest_sizes: ArrayLike,
    scaling: str,
    *,
    margin: float,
    bound: str = "upper",
) -> Threshold:
    """Learn a ``Threshold`` from per-chunk metric values and the chunk / rest-of-reference sizes.

    For ``"rate"`` metrics ``sizes`` are the chunk sizes the values were measured on.
    """
    vals = np.asarray(values, dtype="float64")
    a = np.asarray(sizes, dtype="float64")
    b = np.asarray(rest_sizes, dtype="float64")
    if scaling in ("sqrt", "inverse"):
        g = np.array([noise_scale(scaling, x, y) for x, y in zip(a, b)])
        vals = vals / g
    if scaling in _SQUARED:
        vals = np.cbrt(np.maximum(vals, 0.0))
    elif scaling == "sqrt":
        vals = np.log(np.maximum(vals, _TINY))
    ok = np.isfinite(vals)
    center = float(vals[ok].mean()) if ok.any() else 0.0
    spread = float(vals[ok].std(ddof=1)) if ok.sum() > 1 else 0.0
    chunk = float(a[ok].mean()) if ok.any() else float(a.mean())
    return Threshold(scaling, center, spread, float(margin), bound, chunk)
