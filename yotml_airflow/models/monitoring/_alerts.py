"""Alerting: turn a monitor's report into alerts and deliver them (log, webhook, any callable).

A ``Notifier`` has one method to implement, ``send(alerts)``; ``notify(report, model=..., version=...)``
picks the alerting rows of a report, sends them if there are any and returns them. Each alert
names the model, its version, the segment, the feature, the metric, the value and the threshold.

- ``LogNotifier``: one log record per alert (``logging``, level WARNING by default).
- ``WebhookNotifier``: one HTTP POST of JSON per batch of alerts: a Slack-compatible ``text``
  field (a Slack incoming webhook shows it as the message) plus the structured ``alerts`` list.
  Delivery failures raise ``NotificationError``. httpx is imported only when sending.
- ``CallableNotifier``: hands the alerts to any function (a pager client, a test, a queue).

Example:
    >>> import pandas as pd
    >>> report = pd.DataFrame({"segment": [None], "feature": ["age"], "metric": ["psi"], "value": [0.4],
    ...                        "threshold": [0.1], "alert": [True], "bound": ["upper"]})
    >>> got = []
    >>> alerts = CallableNotifier(got.extend).notify(report, model="churn", version=3)
    >>> got[0].text()
    'churn v3: age psi = 0.4 > threshold 0.1'
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from yotml_airflow.errors import NotificationError, SchemaError

_NEEDED = ("feature", "metric", "value", "threshold", "alert")


@dataclass(frozen=True)
class Alert:
    """One threshold crossing: which model, version and segment, which feature and metric, how far."""

    model: str | None
    version: str | None
    segment: str | None
    feature: str
    metric: str
    value: float
    threshold: float
    bound: str = "upper"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes ``None``)."""
        out = asdict(self)
        for key in ("value", "threshold"):
            if isinstance(out[key], float) and not math.isfinite(out[key]):
                out[key] = None
        return out

    def text(self) -> str:
        """One human line, e.g. ``churn v3 [store 7]: age psi = 0.4 > threshold 0.1``."""
        who = self.model or "model"
        if self.version is not None:
            who += f" v{self.version}"
        if self.segment is not None:
            who += f" [segment {self.segment}]"
        sign = "<" if self.bound == "lower" else ">"
        return f"{who}: {self.feature} {self.metric} = {self.value:.4g} {sign} threshold {self.threshold:.4g}"


def alerts_from_report(
    report: pd.DataFrame, *, model: str | None = None, version: object = None, segment: object = None
) -> list[Alert]:
    """The alerting rows of a monitor report as ``Alert`` objects.

    ``segment`` overrides the report's ``segment`` column (if any) for every row.
    """
    missing = [c for c in _NEEDED if c not in report.columns]
    if missing:
        raise SchemaError(
            f"alerts_from_report: the report misses column(s) {missing}; pass a monitor's predict() output"
        )
    rows = report[report["alert"].astype(bool)]
    alerts = []
    for row in rows.to_dict("records"):
        seg = segment if segment is not None else row.get("segment")
        alerts.append(
            Alert(
                model=model,
                version=None if version is None else str(version),
                segment=None
                if seg is None or (isinstance(seg, float) and math.isnan(seg)) or seg is pd.NA
                else str(seg),
                feature=str(row["feature"]),
                metric=str(row["metric"]),
                value=float(row["value"]),
                threshold=float(row["threshold"]),
                bound=str(row.get("bound", "upper")),
            )
        )
    return alerts


class Notifier:
    """Base class: implement ``send(alerts)``; call ``notify(report, ...)``."""

    def send(self, alerts: Sequence[Alert]) -> None:
        """Deliver ``alerts`` (never called with an empty list by ``notify``)."""
        raise NotImplementedError  # pragma: no cover

    def notify(
        self, report: pd.DataFrame, *, model: str | None = None, version: object = None, segment: object = None
    ) -> list[Alert]:
        """Send the alerting rows of ``report``; returns them (empty list: nothing sent)."""
        alerts = alerts_from_report(report, model=model, version=version, segment=segment)
        if alerts:
            self.send(alerts)
        return alerts


class LogNotifier(Notifier):
    """Log each alert on ``logger`` (a name or a ``logging.Logger``) at ``level``."""

    def __init__(self, logger: str | logging.Logger = "yotml_airflow.alerts", level: int = logging.WARNING):
        self.logger = logger
        self.level = level

    def send(self, alerts: Sequence[Alert]) -> None:
        log = self.logger if isinstance(self.logger, logging.Logger) else logging.getLogger(self.logger)
        for alert in alerts:
            log.log(self.level, "drift alert: %s", alert.text(), extra={"alert": alert.to_dict()})


class CallableNotifier(Notifier):
    """Pass the list of alerts to ``function``."""

    def __init__(self, function: Callable[[list[Alert]], object]):
        self.function = function

    def send(self, alerts: Sequence[Alert]) -> None:
        self.function(list(alerts))


class WebhookNotifier(Notifier):
    """POST the alerts as JSON to ``url``: ``{"text": ..., "alerts": [...]}`` (Slack-compatible).

    Args:
        url: the receiver (a Slack incoming webhook, an Alertmanager-style bridge, any HTTP service).
        timeout: seconds for connect and read.
        headers: extra HTTP headers (e.g. an authorization token).
        max_lines: alerts listed in ``text``; the rest are summarised as "... and N more".
    """

    def __init__(
        self, url: str, *, timeout: float = 10.0, headers: Mapping[str, str] | None = None, max_lines: int = 20
    ):
        self.url = url
        self.timeout = timeout
        self.headers = headers
        self.max_lines = max_lines

    def payload(self, alerts: Sequence[Alert]) -> dict[str, Any]:
        """The JSON body for ``alerts``."""
        lines = [f"• {a.text()}" for a in alerts[: self.max_lines]]
        if len(alerts) > self.max_lines:
            lines.append(f"... and {len(alerts) - self.max_lines} more")
        header = f":rotating_light: {len(alerts)} monitoring alert{'s' if len(alerts) != 1 else ''}"
        return {"text": "\n".join([header, *lines]), "alerts": [a.to_dict() for a in alerts]}

    def send(self, alerts: Sequence[Alert]) -> None:
        import httpx

        try:
            response = httpx.post(
                self.url, json=self.payload(alerts), headers=dict(self.headers or {}), timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise NotificationError(f"WebhookNotifier: could not reach {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise NotificationError(
                f"WebhookNotifier: {self.url} answered {response.status_code}: {response.text[:200]}"
            )
