"""``yotml_airflow.models.monitoring``: monitors are models (drift, prediction drift, performance).

``fit`` learns what normal looks like and a threshold per metric; ``predict`` reports on a batch;
notifiers send the alerts; ``render_report`` writes an HTML report with plots.
Imported on its own path so ``import yotml_airflow.models`` stays light (scipy, httpx, jinja2 and
matplotlib load only when used).
"""

from __future__ import annotations

from yotml_airflow.models.monitoring._alerts import (
    Alert,
    CallableNotifier,
    LogNotifier,
    Notifier,
    WebhookNotifier,
    alerts_from_report,
)
from yotml_airflow.models.monitoring._drift import DriftMonitor, PredictionDriftMonitor
from yotml_airflow.models.monitoring._monitor import REPORT_COLUMNS, Monitor
from yotml_airflow.models.monitoring._performance import PerformanceMonitor
from yotml_airflow.models.monitoring._report import render_report

__all__ = [
    "REPORT_COLUMNS",
    "Alert",
    "CallableNotifier",
    "DriftMonitor",
    "LogNotifier",
    "Monitor",
    "Notifier",
    "PerformanceMonitor",
    "PredictionDriftMonitor",
    "WebhookNotifier",
    "alerts_from_report",
    "render_report",
]
