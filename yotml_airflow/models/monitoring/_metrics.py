"""Drift metrics computed from two summaries (reference side ``a``, current side ``b``), with scipy.

=============== ============ ======================================================================
metric          kinds        value
=============== ============ ======================================================================
``psi``         both         population stability index over the coarse bins: sum (q - p) ln(q / p),
                             proportions floored at 1e-4 (``KL(p||q) + KL(q||p)``)
``ks``          numeric      Kolmogorov-Smirnov distance between the two CDFs, evaluated at the
                             ``resolution`` reference quantiles (exact at those points; below the
                             exact two-sample statistic by at most the largest fine-bin mass)
``js``          both         Jensen-Shannon distance (base 2, in [0, 1]) over the coarse bins
``wasserstein`` numeric      earth mover's distance between the fine-bin histograms (each bin's
                             mass at its mean), in units of the reference standard deviation
``chi2``        categorical  chi-square statistic of the 2 x bins contingency table
``missing_rate`` both        share of rows with no value (NaN, None, +-inf)
``unseen_rate`` both         share of present values never seen in the reference: a new category,
                             or a number outside the reference [min, max]
=============== ============ ======================================================================

Example:
    >>> import numpy as np
    >>> from yotml_airflow.models.monitoring._profile import numeric_profile, summarize_numeric
    >>> rng = np.random.default_rng(0)
    >>> p = numeric_profile(rng.normal(size=2000), resolution=100, bins=10)
    >>> a = summarize_numeric(p, rng.normal(size=2000))
    >>> b = summarize_numeric(p, rng.normal(loc=1.0, size=2000))
    >>> round(metric_value("ks", p, a, b), 1), metric_value("ks", p, a, a)
    (0.4, 0.0)
"""

from __future__ import annotations

import numpy as np

from yotml_airflow.models.monitoring._profile import CategoricalProfile, NumericProfile, Summary

NUMERIC_METRICS = ("psi", "ks", "js", "wasserstein", "missing_rate", "unseen_rate")
CATEGORICAL_METRICS = ("psi", "chi2", "js", "missing_rate", "unseen_rate")
ALL_METRICS = ("psi", "ks", "js", "wasserstein", "chi2", "missing_rate", "unseen_rate")
SCALING = {
    "psi": "inverse",
    "ks": "sqrt",
    "js": "sqrt",
    "wasserstein": "sqrt",
    "chi2": "none",
    "missing_rate": "rate",
    "unseen_rate": "rate",
}
MARGIN = {
    "psi": 0.02,
    "ks": 0.02,
    "js": 0.02,
    "wasserstein": 0.02,
    "chi2": 2.0,
    "missing_rate": 0.01,
    "unseen_rate": 0.01,
}
_PSI_FLOOR = 1e-4


def applicable(metric: str, kind: str) -> bool:
    """Whether ``metric`` is defined for a ``"numeric"`` or ``"categorical"`` feature."""
    return metric in (NUMERIC_METRICS if kind == "numeric" else CATEGORICAL_METRICS)


def _coarse(profile: NumericProfile | CategoricalProfile, s: Summary) -> np.ndarray:
    counts = np.atleast_2d(s.counts).astype("float64")
    if isinstance(profile, NumericProfile):
        out = np.zeros((counts.shape[0], int(profile.coarse_of_fine.max()) + 1))
        np.add.at(out.T, profile.coarse_of_fine, counts.T)
        return out
    return counts


def _psi(p_counts: np.ndarray, q_counts: np.ndarray) -> np.ndarray:
    from scipy.special import rel_entr

    p = np.maximum(p_counts / p_counts.sum(axis=1, keepdims=True), _PSI_FLOOR)
    q = np.maximum(q_counts / q_counts.sum(axis=1, keepdims=True), _PSI_FLOOR)
    p, q = p / p.sum(axis=1, keepdims=True), q / q.sum(axis=1, keepdims=True)
    return np.asarray((rel_entr(p, q) + rel_entr(q, p)).sum(axis=1), dtype="float64")


def _js(p_counts: np.ndarray, q_counts: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import jensenshannon

    return np.asarray(jensenshannon(p_counts, q_counts, base=2, axis=1), dtype="float64")


def _ks(a: Summary, b: Summary) -> np.ndarray:
    ca = np.cumsum(np.atleast_2d(a.counts), axis=1)[:, :-1] / np.atleast_1d(a.n_valid)[:, None]
    cb = np.cumsum(np.atleast_2d(b.counts), axis=1)[:, :-1] / np.atleast_1d(b.n_valid)[:, None]
    return np.abs(ca - cb).max(axis=1) if ca.shape[1] else np.zeros(ca.shape[0])


def _positions(s: Summary) -> tuple[np.ndarray, np.ndarray]:
    assert s.sums is not None
    counts = np.atleast_2d(s.counts).astype("float64")
    sums = np.atleast_2d(s.sums)
    return np.divide(sums, counts, out=np.zeros_like(counts), where=counts > 0), counts


def _wasserstein(profile: NumericProfile, a: Summary, b: Summary) -> np.ndarray:
    from scipy.stats import wasserstein_distance

    pa, wa = _positions(a)
    pb, wb = _positions(b)
    out = np.full(len(pa), np.nan)
    for i in np.flatnonzero((wa.sum(axis=1) > 0) & (wb.sum(axis=1) > 0)):
        out[i] = wasserstein_distance(pa[i], pb[i], wa[i], wb[i])
    return out / profile.scale


def _chi2(p_counts: np.ndarray, q_counts: np.ndarray) -> np.ndarray:
    from scipy.stats import chisquare

    observed = np.concatenate([p_counts, q_counts], axis=1)
    rows = np.concatenate([p_counts.sum(axis=1, keepdims=True), q_counts.sum(axis=1, keepdims=True)], axis=1)
    columns = p_counts + q_counts
    width = p_counts.shape[1]
    expected = np.repeat(rows / rows.sum(axis=1, keepdims=True), width, axis=1) * np.tile(columns, 2)
    empty = np.tile(columns == 0, 2)
    observed, expected = np.where(empty, 1.0, observed), np.where(empty, 1.0, expected)
    return np.asarray(chisquare(observed, expected, axis=1).statistic, dtype="float64")


def metric_values(metric: str, profile: NumericProfile | CategoricalProfile, a: Summary, b: Summary) -> np.ndarray:
    """``metric`` for each row of stacked summaries ``b`` against the matching rows of ``a`` (NaN if undefined)."""
    b_rows, b_valid = np.atleast_1d(b.n_rows).astype("float64"), np.atleast_1d(b.n_valid).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "missing_rate":
            return np.where(b_rows > 0, np.atleast_1d(b.n_missing) / b_rows, np.nan)
        if metric == "unseen_rate":
            return np.where(b_valid > 0, np.atleast_1d(b.n_unseen) / b_valid, np.nan)
        undefined = (np.atleast_1d(a.n_valid) == 0) | (b_valid == 0)
        if metric == "ks":
            out = _ks(a, b)
        elif metric == "wasserstein":
            assert isinstance(profile, NumericProfile)
            out = _wasserstein(profile, a, b)
        elif metric in ("psi", "js", "chi2"):
            pa, pb = _coarse(profile, a), _coarse(profile, b)
            out = {"psi": _psi, "js": _js, "chi2": _chi2}[metric](pa, pb)
        else:
            raise KeyError(metric)
    return np.where(undefined, np.nan, out)


def metric_value(metric: str, profile: NumericProfile | CategoricalProfile, a: Summary, b: Summary) -> float:
    """The value of ``metric`` for current summary ``b`` against reference summary ``a`` (NaN if undefined)."""
    return float(metric_values(metric, profile, a, b)[0])


def metric_sizes(metric: str, a: Summary, b: Summary) -> tuple[np.ndarray, np.ndarray]:
    """The sample sizes the metric's noise depends on: ``(current, reference)`` (arrays for stacked summaries)."""
    if metric == "missing_rate":
        return np.atleast_1d(b.n_rows).astype("float64"), np.atleast_1d(a.n_rows).astype("float64")
    return np.atleast_1d(b.n_valid).astype("float64"), np.atleast_1d(a.n_valid).astype("float64")
