"""What a yotml job needs around it: the entry file to submit, its environment, its tracking URI.

The airflow layer never imports the jobs package (the import contract forbids it): the entry file
is located through the import system's metadata only, without executing it.

Example:
    >>> job_entry_file().endswith("jobs/entrypoint.py")
    True
    >>> env = job_environment({"A": "1"}, tracking_uri="sqlite:///m.db", base_env={"PATH": "/usr/bin"})
    >>> env["A"], env["MLFLOW_TRACKING_URI"], env["PYSPARK_PYTHON"] == sys.executable
    ('1', 'sqlite:///m.db', True)
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from yotml_airflow.errors import ConfigError

JOBS_ENTRY = ("jobs", "entrypoint.py")


def job_entry_file() -> str:
    """The installed ``yotml_airflow/jobs/entrypoint.py``: the application spark-submit runs."""
    spec = importlib.util.find_spec("yotml_airflow")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location).joinpath(*JOBS_ENTRY)
        if candidate.is_file():
            return str(candidate)
    raise ConfigError(
        f"The yotml jobs entry file {'/'.join(JOBS_ENTRY)} was not found under {locations}: "
        "install yotml-airflow (with its jobs) in the environment that runs the operator."
    )


def job_environment(
    env_vars: Mapping[str, Any] | None,
    *,
    tracking_uri: str | None,
    base_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The extra environment of spark-submit: the user's ``env_vars`` plus what the job needs.

    Spark's Python driver and workers run this interpreter (``PYSPARK_PYTHON``) unless the user set
    one, the interpreter's ``bin`` (where the pyspark wheel puts ``spark-submit``) is on ``PATH``,
    and ``MLFLOW_TRACKING_URI`` carries the resolved tracking URI.
    """
    base = dict(os.environ if base_env is None else base_env)
    env = {str(k): str(v) for k, v in (env_vars or {}).items()}
    for name in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON"):
        if name not in env and name not in base:
            env[name] = sys.executable
    bin_dir = os.path.dirname(sys.executable)
    path = env.get("PATH", base.get("PATH", ""))
    if bin_dir not in path.split(os.pathsep):
        env["PATH"] = os.pathsep.join(p for p in (bin_dir, path) if p)
    if tracking_uri:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    return env


def resolve_tracking_uri(
    tracking_uri: str | None,
    mlflow_conn_id: str | None,
    env_vars: Mapping[str, Any] | None = None,
) -> str | None:
    """The MLflow tracking URI the job gets, in order of precedence.

    ``tracking_uri``, then the Airflow connection ``mlflow_conn_id``, then ``MLFLOW_TRACKING_URI`` of
    ``env_vars`` or of this process. ``None`` leaves the job to ``yotml_airflow.tracking``'s default.
    """
    if tracking_uri and mlflow_conn_id:
        raise ConfigError("Give either tracking_uri or mlflow_conn_id, not both.")
    if tracking_uri:
        return str(tracking_uri)
    if mlflow_conn_id:
        from yotml_airflow.operators._mlflow_hook import MlflowTrackingHook

        return MlflowTrackingHook(mlflow_conn_id=mlflow_conn_id).get_tracking_uri()
    if env_vars and env_vars.get("MLFLOW_TRACKING_URI"):
        return str(env_vars["MLFLOW_TRACKING_URI"])
    return os.environ.get("MLFLOW_TRACKING_URI") or None
