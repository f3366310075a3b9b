"""Log a monitoring report (the HTML file of ``render_report``) to MLflow as a run artifact.

Example (needs a tracking store)::

    run_id = log_report("reports/drift.html", run_id=logged.run_id)
"""

from __future__ import annotations

from pathlib import Path

from yotml_airflow.errors import ConfigError, TrackingError
from yotml_airflow.tracking._store import client, ensure_experiment

DEFAULT_EXPERIMENT = "yotml-monitoring"


def log_report(
    path: str | Path,
    run_id: str | None = None,
    *,
    artifact_path: str = "monitoring",
    experiment: str = DEFAULT_EXPERIMENT,
    tracking_uri: str | None = None,
) -> str:
    """Log the file at ``path`` under ``artifact_path`` of a run; returns the run id.

    The run is ``run_id`` (e.g. the run that logged the monitored model), else the active MLflow
    run, else a new finished run named ``monitoring-report`` in ``experiment``.
    Raises ``ConfigError`` if the file does not exist, ``TrackingError`` if the run does not.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"log_report: no report file at {file}; render it first (render_report)")
    mlflow_client = client(tracking_uri)
    created = False
    if run_id is None:
        import mlflow

        active = mlflow.active_run()
        if active is not None:
            run_id = active.info.run_id
        else:
            experiment_id = ensure_experiment(experiment, tracking_uri)
            run_id = mlflow_client.create_run(experiment_id, run_name="monitoring-report").info.run_id
            created = True
    else:
        from mlflow.exceptions import MlflowException

        try:
            mlflow_client.get_run(run_id)
        except MlflowException as exc:
            raise TrackingError(f"log_report: run {run_id!r} does not exist in {mlflow_client.tracking_uri}") from exc
    assert run_id is not None
    mlflow_client.log_artifact(run_id, str(file), artifact_path)
    if created:
        mlflow_client.set_terminated(run_id)
    return run_id
