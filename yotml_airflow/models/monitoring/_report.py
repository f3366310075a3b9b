"""An HTML monitoring report: summary cards, one plot per alerting feature, the full table.

``render_report(report, path, monitor=..., current=...)`` writes one self-contained HTML file
(jinja2 template, matplotlib plots on the Agg backend embedded as base64 PNG). With a fitted
``DriftMonitor`` and the current batch (a pandas frame, or the summaries from
``yotml_airflow.spark.summarize_spark``), every alerting feature gets a plot of its reference vs
current distribution; any report (performance, segmented) gets the table. The file is written to
a temporary name and renamed, so a reader never sees half a report. jinja2 and matplotlib are
imported only here.

Example:
    >>> import tempfile, numpy as np, pandas as pd
    >>> from yotml_airflow.models.monitoring import DriftMonitor
    >>> rng = np.random.default_rng(0)
    >>> monitor = DriftMonitor(metrics=["psi"]).fit(pd.DataFrame({"x": rng.normal(size=1000)}))
    >>> current = pd.DataFrame({"x": rng.normal(2.0, 1.0, size=300)})
    >>> path = render_report(monitor.predict(current), tempfile.mkdtemp() + "/r.html", monitor=monitor, current=current)
    >>> "data:image/png;base64," in path.read_text()
    True
"""

from __future__ import annotations

import base64
import io
import math
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import SchemaError
from yotml_airflow.models.monitoring._drift import DriftMonitor
from yotml_airflow.models.monitoring._profile import NumericProfile, Summary

_TEMPLATE = "_report.html.j2"
_REFERENCE = "#7b8794"
_CURRENT = "#e02424"


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _merged(profile: NumericProfile, summary: Summary, group: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inner edges, counts and sums after merging every ``group`` fine bins (a smoother picture)."""
    n_bins = len(profile.edges) + 1
    ids = np.arange(n_bins) // group
    size = int(ids[-1]) + 1
    counts = np.bincount(ids, weights=summary.counts, minlength=size)
    sums = np.bincount(ids, weights=summary.sums, minlength=size) if summary.sums is not None else np.zeros(size)
    return profile.edges[[k * group - 1 for k in range(1, size)]], counts, sums


def _plot_numeric(ax: Any, profile: NumericProfile, ref: Summary, cur: Summary) -> None:
    group = max(1, (len(profile.edges) + 1) // 25)
    inner, ref_counts, _ = _merged(profile, ref, group)
    _, cur_counts, cur_sums = _merged(profile, cur, group)
    low, high = profile.low, profile.high
    edges = np.concatenate([[low], inner, [high]])
    if len(edges) > 2 and cur_counts.sum() and cur.n_unseen:
        first, last = cur_sums[0] / max(cur_counts[0], 1), cur_sums[-1] / max(cur_counts[-1], 1)
        edges[0] = min(low, 2 * first - edges[1]) if cur_counts[0] else low
        edges[-1] = max(high, 2 * last - edges[-2]) if cur_counts[-1] else high
    widths = np.diff(edges)
    widths[widths <= 0] = np.nan
    for counts, color, label, fill in (
        (ref_counts, _REFERENCE, "reference", True),
        (cur_counts, _CURRENT, "current", False),
    ):
        density = np.nan_to_num(counts / max(counts.sum(), 1) / widths)
        ax.stairs(density, edges, fill=fill, alpha=0.45 if fill else 1.0, color=color, linewidth=2, label=label)
    if edges[0] < low:
        ax.axvspan(edges[0], low, color="#fde8e8", zorder=0, label="outside reference range")
    if edges[-1] > high:
        ax.axvspan(
            high, edges[-1], color="#fde8e8", zorder=0, label=None if edges[0] < low else "outside reference range"
        )
    ax.set_ylabel("density")


def _plot_categorical(ax: Any, labels: list[str], ref: Summary, cur: Summary) -> None:
    keep = [i for i in range(len(labels)) if ref.counts[i] or cur.counts[i]]
    y = np.arange(len(keep))
    ref_share = ref.counts[keep] / max(ref.counts.sum(), 1)
    cur_share = cur.counts[keep] / max(cur.counts.sum(), 1)
    ax.barh(y - 0.2, ref_share, height=0.4, color=_REFERENCE, alpha=0.6, label="reference")
    ax.barh(y + 0.2, cur_share, height=0.4, color=_CURRENT, label="current")
    ax.set_yticks(y, [labels[i].replace("__unseen__", "(new values)").replace("__other__", "(other)") for i in keep])
    ax.invert_yaxis()
    ax.set_xlabel("share of rows")


def _plots(
    monitor: DriftMonitor, summaries: dict[str, Summary], report: pd.DataFrame, limit: int
) -> list[dict[str, str]]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    alerting = report[report["alert"].astype(bool)]
    plots = []
    for feature in list(dict.fromkeys(alerting["feature"].tolist()))[:limit]:
        if feature not in monitor.profiles_:
            continue
        profile, ref, cur = monitor.profiles_[feature], monitor.reference_[feature], summaries[feature]
        metrics = alerting[alerting["feature"] == feature]
        fig = Figure(figsize=(6.4, 3.4))
        ax = fig.subplots()
        if isinstance(profile, NumericProfile):
            _plot_numeric(ax, profile, ref, cur)
        else:
            _plot_categorical(ax, profile.labels, ref, cur)
        ax.legend(frameon=False, loc="best")
        ax.spines[["top", "right"]].set_visible(False)
        ref_missing, cur_missing = ref.n_missing / max(ref.n_rows, 1), cur.n_missing / max(cur.n_rows, 1)
        missing = f"missing: reference {ref_missing:.1%}, current {cur_missing:.1%}"
        loud = "missing_rate" in set(metrics["metric"])
        ax.set_title(
            missing,
            fontsize=10 if loud else 9,
            color=_CURRENT if loud else "#616e7c",
            loc="left",
            fontweight="bold" if loud else "normal",
        )
        fig.tight_layout()
        shown = ", ".join(f"{m} {v:.3g} (> {t:.3g})" for m, v, t in metrics[["metric", "value", "threshold"]].values)
        plots.append({"title": f"{feature} — {shown}", "png": _png(fig)})
    return plots


def render_report(
    report: pd.DataFrame,
    path: str | Path,
    *,
    monitor: DriftMonitor | None = None,
    current: pd.DataFrame | dict[str, Summary] | None = None,
    title: str = "Monitoring report",
    subtitle: str = "",
    max_plots: int = 24,
) -> Path:
    """Write the HTML report of a monitor's ``report`` frame to ``path``; returns the path."""
    missing = [c for c in ("feature", "metric", "value", "threshold", "alert") if c not in report.columns]
    if missing:
        raise SchemaError(f"render_report: the report misses column(s) {missing}; pass a monitor's predict() output")
    import jinja2

    plots: list[dict[str, str]] = []
    if isinstance(monitor, DriftMonitor) and current is not None:
        summaries = monitor.summarize(current) if isinstance(current, pd.DataFrame) else current
        plots = _plots(monitor, summaries, report, max_plots)
    segmented = "segment" in report.columns and report["segment"].notna().any()
    rows = []
    ordered = report.assign(_order=~report["alert"].astype(bool)).sort_values("_order", kind="stable")
    for row in ordered.to_dict("records"):
        rows.append(
            {
                **{
                    k: _fmt(row.get(k))
                    for k in ("segment", "feature", "metric", "value", "threshold", "baseline", "n_rows")
                },
                "alert": bool(row["alert"]),
                "bound_sign": "<" if row.get("bound") == "lower" else ">",
            }
        )
    alerts = report[report["alert"].astype(bool)]
    template = jinja2.Template(
        resources.files(__package__).joinpath(_TEMPLATE).read_text(encoding="utf-8"), autoescape=True
    )
    html = template.render(
        title=title,
        subtitle=subtitle,
        rows=rows,
        plots=plots,
        segmented=segmented,
        n_alerts=len(alerts),
        n_checks=len(report),
        n_features=report["feature"].nunique(),
        n_alert_features=alerts["feature"].nunique(),
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(html)
    os.replace(tmp, target)
    return target
