"""Job ``monitor``: compare a batch with a reference on Spark, report alerts, notify.

    python -m yotml_airflow.jobs monitor --input customers/ds=2024-03-05 --reference customers/ds=2024-03-04 \\
        --columns spend,visits --webhook-url https://hooks.example/alerts --result-path result.json

``--reference`` is reference data (a fresh ``--monitor-spec`` monitor, default ``DriftMonitor``,
is fitted on it, collected up to ``--max-reference-rows``) or an already fitted monitor
(``models:/...``, ``runs:/...`` or a saved folder). The batch is reduced on Spark by
``monitor_spark`` (never collected). With ``--model`` the model's outputs are added to both sides
and monitored too (prediction drift). Alerts go to ``--webhook-url`` when given. Result JSON:
``alerts`` (one dict per alert), ``drifted``, ``checked`` (features), ``rows``, ``notified``,
``report`` (the full report rows).

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> parser.parse_args(["--input", "x", "--reference", "y"]).monitor_spec
'yotml_airflow.models.monitoring:DriftMonitor'
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError, JobError
from yotml_airflow.jobs._io import FORMATS, check_input_exists, read_input
from yotml_airflow.jobs._spec import build, parse_json

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MONITOR = "yotml_airflow.models.monitoring:DriftMonitor"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the monitor job."""
    parser.add_argument("--input", required=True, help="the batch to check: a path or a table name")
    parser.add_argument("--input-format", choices=FORMATS, default="parquet")
    parser.add_argument("--reference", required=True, help="reference data, or a fitted monitor (URI or folder)")
    parser.add_argument("--reference-format", choices=FORMATS, help="default: --input-format")
    parser.add_argument("--monitor-spec", default=DEFAULT_MONITOR, help="'package.module:ClassName' of the monitor")
    parser.add_argument("--monitor-params", default="{}", help="JSON constructor params of the monitor")
    parser.add_argument("--columns", help="comma-separated features to monitor (default: the monitor's own)")
    parser.add_argument("--model", help="also monitor this model's outputs (models:/..., runs:/... or a folder)")
    parser.add_argument("--max-reference-rows", type=int, default=1_000_000, help="reference rows collected to fit")
    parser.add_argument("--webhook-url", help="POST the alerts (JSON) here when there are any")
    parser.add_argument("--report-path", help="also write an HTML report here")


def _is_fitted_monitor(reference: str) -> bool:
    if reference.startswith(("models:/", "runs:/")):
        return True
    return os.path.isfile(os.path.join(reference.removeprefix("file://"), "manifest.json"))


def validate(args: argparse.Namespace) -> None:
    """Check the options and the inputs before Spark starts."""
    from yotml_airflow.models.monitoring import Monitor

    args.columns_list = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    args.reference_is_monitor = _is_fitted_monitor(args.reference)
    if args.reference_is_monitor:
        if args.monitor_params != "{}" or args.monitor_spec != DEFAULT_MONITOR:
            raise ConfigError("--monitor-spec/--monitor-params apply to reference data, not to a fitted monitor")
        args.monitor = None
    else:
        params = parse_json(args.monitor_params, "--monitor-params")
        if not isinstance(params, dict):
            raise ConfigError("--monitor-params must be a JSON object")
        if args.columns_list and "features" not in params:
            params["features"] = args.columns_list
        args.monitor = build(args.monitor_spec, params)
        if not isinstance(args.monitor, Monitor):
            raise ConfigError(f"--monitor-spec {args.monitor_spec} is not a yotml Monitor")
        check_input_exists(args.reference, args.reference_format or args.input_format, what="reference")
    if args.max_reference_rows < 1:
        raise ConfigError(f"--max-reference-rows must be positive, got {args.max_reference_rows}")
    if args.webhook_url and not args.webhook_url.startswith(("http://", "https://")):
        raise ConfigError(f"--webhook-url must be an http(s) URL, got {args.webhook_url!r}")
    check_input_exists(args.input, args.input_format)


def _with_outputs(model: str | None, sdf: DataFrame) -> DataFrame:
    if not model:
        return sdf
    from yotml_airflow.spark import batch_transform

    return batch_transform(model, sdf, keep_columns=list(sdf.columns))


def run(args: argparse.Namespace, spark: SparkSession) -> dict[str, Any]:
    """Fit (or load) the monitor, report on the batch with Spark aggregations, notify; returns the result JSON."""
    from yotml_airflow.models.monitoring import DriftMonitor, Monitor, WebhookNotifier, alerts_from_report
    from yotml_airflow.spark import collect_bounded, monitor_spark
    from yotml_airflow.tracking import resolve_model

    current = _with_outputs(args.model, read_input(spark, args.input, args.input_format))
    if args.reference_is_monitor:
        loaded = resolve_model(args.reference)
        if not isinstance(loaded, Monitor):
            raise ConfigError(f"--reference {args.reference} is a {type(loaded).__name__}, not a fitted Monitor")
        monitor = loaded
    else:
        reference_sdf = read_input(spark, args.reference, args.reference_format or args.input_format, "reference")
        reference = collect_bounded(_with_outputs(args.model, reference_sdf), args.max_reference_rows, "reference")
        monitor = args.monitor.fit(reference)
    report = monitor_spark(monitor, current)
    model_name = args.model or None
    alerts = alerts_from_report(report, model=model_name)
    notified = False
    if alerts and args.webhook_url:
        WebhookNotifier(args.webhook_url).send(alerts)
        notified = True
    if args.report_path:
        from yotml_airflow.models.monitoring import render_report

        drift = monitor if isinstance(monitor, DriftMonitor) else None
        render_report(report, args.report_path, monitor=drift, title=f"Monitoring {args.input}")
    rows = json.loads(report.to_json(orient="records"))
    checked = sorted({str(f) for f in report["feature"].dropna()})
    if not checked:
        raise JobError("the monitor checked no feature: give --columns that exist in the input")
    n_rows = int(report["n_rows"].max()) if "n_rows" in report and len(report) else 0
    return {
        "alerts": [a.to_dict() for a in alerts],
        "drifted": bool(alerts),
        "checked": checked,
        "rows": n_rows,
        "notified": notified,
        "report_path": args.report_path,
        "report": rows,
    }
