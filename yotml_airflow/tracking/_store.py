"""Where tracking goes: the default project-local MLflow store, overrides, and experiment locations.

With no configuration, runs and the registry live in a SQLite file and artifacts in a folder of the
project (the current working directory, or ``$YOTML_HOME`` when set)::

    <project>/.yotml/mlflow/mlflow.db        sqlite:///<project>/.yotml/mlflow/mlflow.db
    <project>/.yotml/mlflow/artifacts/       one sub-folder per experiment

Overrides, strongest first: an explicit ``tracking_uri=`` argument, ``mlflow.set_tracking_uri``,
``MLFLOW_TRACKING_URI`` (e.g. ``http://mlflow:5000`` for a tracking server). The registry follows the
tracking URI unless ``MLFLOW_REGISTRY_URI`` is set. ``YOTML_ARTIFACT_ROOT`` (a folder or a URI such as
``s3://bucket/prefix``) sets the artifact location of experiments this package creates; against a
tracking server without it, the server's own artifact root is used. A local store never falls back
to MLflow's ``./mlruns``.

To point ``mlflow`` CLI tools (``mlflow ui``, ``mlflow models serve``) at the default store::

    export MLFLOW_TRACKING_URI=$(python -c "from yotml_airflow.tracking import tracking_uri; print(tracking_uri())")

Example:
    >>> default_tracking_uri().endswith("/.yotml/mlflow/mlflow.db")
    True
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from yotml_airflow.errors import ConfigError, TrackingError

_REMOTE_SCHEMES = ("http://", "https://", "databricks")


def project_dir() -> Path:
    """The project folder: ``$YOTML_HOME`` if set, else the current working directory."""
    home = os.environ.get("YOTML_HOME")
    return Path(home).expanduser().resolve() if home else Path.cwd().resolve()


def _default_store_dir() -> Path:
    return project_dir() / ".yotml" / "mlflow"


def default_tracking_uri() -> str:
    """``sqlite:///<project>/.yotml/mlflow/mlflow.db`` (the folder is created on first use)."""
    return f"sqlite:///{_default_store_dir() / 'mlflow.db'}"


def tracking_uri(uri: str | None = None) -> str:
    """The tracking URI in effect: ``uri`` if given, else MLflow's configured URI, else the project default.

    >>> tracking_uri("http://127.0.0.1:5000")
    'http://127.0.0.1:5000'
    """
    if uri:
        return str(uri)
    from mlflow.tracking._tracking_service import utils as tracking_utils

    configured = tracking_utils._tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return str(configured)
    return default_tracking_uri()


def registry_uri(tracking: str | None = None) -> str:
    """The model registry URI: ``MLFLOW_REGISTRY_URI`` / ``mlflow.set_registry_uri`` else the tracking URI."""
    from mlflow.tracking._model_registry import utils as registry_utils

    if tracking:
        return str(tracking)
    configured = registry_utils._registry_uri or os.environ.get("MLFLOW_REGISTRY_URI")
    return str(configured) if configured else tracking_uri()


def artifact_root(tracking: str) -> str | None:
    """Where new experiments put artifacts, or None to let a tracking server decide."""
    root = os.environ.get("YOTML_ARTIFACT_ROOT")
    if root:
        return root if "://" in root else Path(root).expanduser().resolve().as_uri()
    if tracking.startswith(_REMOTE_SCHEMES):
        return None
    if tracking.startswith("sqlite:///"):
        db = Path(tracking[len("sqlite:///") :].split("?")[0])
        return (db.parent / "artifacts").resolve().as_uri()
    return (_default_store_dir() / "artifacts").resolve().as_uri()


def _prepare_local_store(uri: str) -> None:
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :].split("?")[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def mlflow_uris(uri: str | None = None) -> Iterator[tuple[str, str]]:
    """Point MLflow's fluent API at the resolved tracking and registry URIs for the block, then restore.

    MLflow's own ``_use_tracking_uri`` unsets ``MLFLOW_TRACKING_URI`` on exit, so this restores both the
    module globals and the environment variables exactly. Not thread-safe (MLflow's fluent API is global).
    """
    import mlflow
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    tracking = tracking_uri(uri)
    registry = registry_uri(uri)
    _prepare_local_store(tracking)
    _prepare_local_store(registry)
    saved_globals = (tracking_utils._tracking_uri, registry_utils._registry_uri)
    saved_env = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_UV_AUTO_DETECT")}
    try:
        mlflow.set_tracking_uri(tracking)
        mlflow.set_registry_uri(registry)
        os.environ["MLFLOW_UV_AUTO_DETECT"] = "false"
        yield tracking, registry
    finally:
        tracking_utils._tracking_uri, registry_utils._registry_uri = saved_globals
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def client(uri: str | None = None) -> Any:
    """An ``MlflowClient`` bound to the resolved tracking and registry URIs."""
    from mlflow import MlflowClient

    tracking = tracking_uri(uri)
    _prepare_local_store(tracking)
    return MlflowClient(tracking_uri=tracking, registry_uri=registry_uri(uri))


_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def ensure_experiment(name: str, uri: str | None = None) -> str:
    """The id of experiment ``name``, created with an explicit artifact location if missing."""
    if not name or not isinstance(name, str):
        raise ConfigError(f"experiment name must be a non-empty string, got {name!r}")
    mlflow_client = client(uri)
    experiment = mlflow_client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            raise TrackingError(
                f"experiment {name!r} is deleted; restore it (mlflow experiments restore) or pick another name"
            )
        return str(experiment.experiment_id)
    root = artifact_root(tracking_uri(uri))
    location = None if root is None else f"{root.rstrip('/')}/{_SLUG.sub('_', name).strip('_') or 'experiment'}"
    from mlflow.exceptions import MlflowException

    try:
        return str(mlflow_client.create_experiment(name, artifact_location=location))
    except MlflowException:
        experiment = mlflow_client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return str(experiment.experiment_id)
