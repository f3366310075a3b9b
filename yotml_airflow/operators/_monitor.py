"""``MonitorOperator``: compare current data (and a model's predictions) with a reference; act on alerts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from yotml_airflow.errors import ConfigError, YotmlError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator, as_json_arg
from yotml_airflow.operators._fit import check_names, check_path
from yotml_airflow.operators._transform import check_model_uri

ALERT_POLICIES = ("fail", "notify", "ignore")


class MonitorAlertError(YotmlError, AirflowFailException):
    """A monitor raised alerts and the operator's policy is ``on_alert="fail"`` (no retry: data won't change)."""


class MonitorOperator(YotmlSparkJobOperator):
    """Run a drift monitor on Spark-read data against a reference and apply the alert policy.

    - ``reference``: the reference data, or a fitted monitor (``models:/...`` or a saved folder)
      learned on it. With data, the job fits ``monitor_spec`` (default: the package's
      ``DriftMonitor``, with ``monitor_params``) on it first.
    - ``model_uri`` (optional): also monitor this model's predictions on both data sets.
    - ``on_alert``: ``"fail"`` fails the task (after notifying), ``"notify"`` notifies and succeeds,
      ``"ignore"`` only records the alerts. The job sends the notifications (``webhook_url``), so
      the Airflow side stays free of Spark and of the alert layer.

    XCom: ``{"alerts": [...], "n_alerts", "drifted", "checked", "notified"}``.

    Example::

        MonitorOperator(
            task_id="monitor",
            input="/data/customers/ds={{ ds }}",
            reference="/data/customers/ds=2024-01-01",
            model_uri="models:/churn@champion",
            on_alert="notify",
            webhook_url="http://alerts.internal/hook",
        )
    """

    job = "monitor"
    template_fields: Sequence[str] = (
        "input",
        "reference",
        "model_uri",
        "monitor_spec",
        "monitor_params",
        "columns",
        "on_alert",
        "webhook_url",
        "input_format",
        "reference_format",
        "report_path",
        *SPARK_TEMPLATE_FIELDS,
    )

    def __init__(
        self,
        *,
        input: str,
        reference: str,
        model_uri: str | None = None,
        monitor_spec: str | None = None,
        monitor_params: dict[str, Any] | str | None = None,
        columns: list[str] | None = None,
        on_alert: str = "fail",
        webhook_url: str | None = None,
        input_format: str | None = None,
        reference_format: str | None = None,
        report_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.reference_format = reference_format
        self.input = input
        self.reference = reference
        self.model_uri = model_uri
        self.monitor_spec = monitor_spec
        self.monitor_params = monitor_params
        self.columns = columns
        self.on_alert = on_alert
        self.webhook_url = webhook_url
        self.input_format = input_format
        self.report_path = report_path

    def _job_args(self) -> list[str]:
        if self.on_alert not in ALERT_POLICIES:
            raise ConfigError(f"on_alert must be one of {ALERT_POLICIES}, got {self.on_alert!r}.")
        args = ["--input", check_path(self.input, "input"), "--reference", check_path(self.reference, "reference")]
        if self.model_uri:
            args += ["--model", check_model_uri(self.model_uri)]
        if self.monitor_spec:
            args += ["--monitor-spec", check_path(self.monitor_spec, "monitor_spec")]
        if self.monitor_params is not None:
            args += ["--monitor-params", as_json_arg(self.monitor_params, "monitor_params")]
        if self.columns:
            args += ["--columns", ",".join(check_names(self.columns, "columns"))]
        if self.webhook_url and self.on_alert != "ignore":
            args += ["--webhook-url", check_path(self.webhook_url, "webhook_url")]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.reference_format:
            args += ["--reference-format", str(self.reference_format)]
        if self.report_path:
            args += ["--report-path", check_path(self.report_path, "report_path")]
        return args

    def _summarize(self, result: dict[str, Any]) -> dict[str, Any]:
        alerts = result.get("alerts") or []
        result = {**result, "n_alerts": len(alerts), "on_alert": self.on_alert}
        if not alerts:
            return result
        names = ", ".join(_alert_label(a) for a in alerts[:10])
        more = f" (+{len(alerts) - 10} more)" if len(alerts) > 10 else ""
        if self.on_alert == "fail":
            raise MonitorAlertError(f"Monitor raised {len(alerts)} alert(s): {names}{more}.")
        self.log.warning("Monitor raised %d alert(s) (policy %s): %s%s", len(alerts), self.on_alert, names, more)
        return result


def _alert_label(alert: Any) -> str:
    if isinstance(alert, dict):
        what = alert.get("column") or alert.get("name") or "?"
        metric = alert.get("metric") or alert.get("kind") or "drift"
        value = alert.get("value")
        return f"{what} {metric}={value:.4g}" if isinstance(value, int | float) else f"{what} {metric}"
    return str(alert)
