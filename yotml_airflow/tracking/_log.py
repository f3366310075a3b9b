"""``log_model``: one MLflow run per fitted model, the model as a pyfunc model, a registry version.

Example (needs a tracking store, so not run as a doctest)::

    info = log_model(model, "churn", metrics={"auc": 0.91}, data=train_df)
    info.model_uri  # 'models:/churn/1'
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import pandas as pd

from yotml_airflow.errors import ConfigError, TrackingError
from yotml_airflow.models import Model, save_model
from yotml_airflow.models._persist import MANIFEST, sha256_file
from yotml_airflow.tracking._params import MAX_VALUE, data_fingerprint, flatten_params, git_commit, truncate
from yotml_airflow.tracking._requirements import pip_requirements_for
from yotml_airflow.tracking._store import ensure_experiment, mlflow_uris

MODEL_PATH = "model"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$")
_ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


@dataclass(frozen=True)
class LoggedModel:
    """What ``log_model`` recorded: registry ``name`` and ``version`` (None when not registered),
    the MLflow ``run_id``, and ``model_uri`` (``models:/name/version``, or ``runs:/<run_id>/model``)."""

    name: str
    version: int | None
    run_id: str
    model_uri: str
    experiment_id: str | None = None
    model_id: str | None = None


def log_model(
    model: Model,
    name: str,
    *,
    metrics: Mapping[str, float] | None = None,
    data: pd.DataFrame | None = None,
    register: bool = True,
    tags: Mapping[str, Any] | None = None,
    artifacts: Mapping[str, Any] | None = None,
    experiment: str | None = None,
    tracking_uri: str | None = None,
) -> LoggedModel:
    """Log a fitted model as one MLflow run and (by default) register it as a new version of ``name``.

    The run holds: the model's params (``get_params()`` flattened, nested models as ``step__param``), the
    given ``metrics``, tags (yotml version, model class, git commit of the working directory, and a
    fingerprint of ``data``: rows, schema hash, sample content hash), the model as a pyfunc model under
    ``model/`` (the yotml saved folder as its artifact, a signature from ``data``'s input columns and
    ``model.output_columns()``, explicit pinned pip requirements: see ``_requirements``), and
    ``artifacts``: ``{name: DataFrame | file or folder path | dict/list}`` (a frame is logged as
    ``<name>.parquet``, a dict or list as ``<name>.json``).

    The experiment is ``experiment`` (default: ``name``), created with an explicit artifact location.
    Everything is checked before the run starts; a failure during logging marks the run FAILED and
    registers nothing.

    Example::

        info = log_model(model, "churn", metrics={"auc": 0.9}, data=df, artifacts={"per_store": scores})
    """
    metric_values = _check_inputs(model, name, metrics, data, tags, artifacts)
    experiment_name = experiment or name
    staging = Path(tempfile.mkdtemp(prefix="yotml-log-"))
    try:
        folder = save_model(model, staging / "yotml_model")
        return _log(
            model, name, folder, staging, metric_values, data, register, tags, artifacts, experiment_name, tracking_uri
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _log(
    model: Model,
    name: str,
    folder: Path,
    staging: Path,
    metrics: dict[str, float],
    data: pd.DataFrame | None,
    register: bool,
    tags: Mapping[str, Any] | None,
    artifacts: Mapping[str, Any] | None,
    experiment: str,
    uri: str | None,
) -> LoggedModel:
    import mlflow
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.exceptions import MlflowException

    from yotml_airflow.tracking._pyfunc import ARTIFACT, META_CLASS, META_MANIFEST, YotmlPyfuncModel, build_signature

    manifest_sha = sha256_file(folder / MANIFEST)
    requirements, unpackaged = pip_requirements_for(folder)
    signature = build_signature(model, data)
    params = flatten_params(model)
    run_tags = _run_tags(model, data, tags, unpackaged)
    cls = type(model)
    class_path = f"{cls.__module__}:{cls.__qualname__}"
    with mlflow_uris(uri):
        experiment_id = ensure_experiment(experiment, uri)
        client = mlflow.MlflowClient()
        nested = mlflow.active_run() is not None
        try:
            with mlflow.start_run(experiment_id=experiment_id, run_name=name, nested=nested) as run:
                run_id = run.info.run_id
                items = [Param(k, v) for k, v in params.items()]
                for i in range(0, len(items), 100):
                    client.log_batch(run_id, params=items[i : i + 100])
                now = int(pd.Timestamp.now("UTC").timestamp() * 1000)
                client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()])
                tag_items = [RunTag(k, v) for k, v in run_tags.items()]
                for i in range(0, len(tag_items), 100):
                    client.log_batch(run_id, tags=tag_items[i : i + 100])
                _log_artifacts(client, run_id, model, artifacts, staging)
                info = mlflow.pyfunc.log_model(
                    name=MODEL_PATH,
                    python_model=YotmlPyfuncModel(manifest_sha),
                    artifacts={ARTIFACT: str(folder)},
                    signature=signature,
                    pip_requirements=requirements,
                    metadata={META_MANIFEST: manifest_sha, META_CLASS: class_path},
                )
                version = None
                if register:
                    registered = mlflow.register_model(
                        info.model_uri, name, tags={"yotml.model_class": class_path, "yotml.run_id": run_id}
                    )
                    version = int(registered.version)
        except MlflowException as exc:
            raise TrackingError(f"logging model {name!r} to MLflow failed: {exc.message}") from exc
    model_uri = f"models:/{name}/{version}" if version is not None else f"runs:/{run_id}/{MODEL_PATH}"
    return LoggedModel(name, version, run_id, model_uri, experiment_id, getattr(info, "model_id", None))


def _check_inputs(
    model: Model,
    name: str,
    metrics: Mapping[str, float] | None,
    data: pd.DataFrame | None,
    tags: Mapping[str, Any] | None,
    artifacts: Mapping[str, Any] | None,
) -> dict[str, float]:
    if not isinstance(model, Model):
        raise ConfigError(f"log_model expects a yotml Model, got {type(model).__name__}")
    model._require_fitted()
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > 200:
        raise ConfigError(
            f"model name {name!r} is not usable in models:/ URIs: use letters, digits, '_', '-', '.', spaces "
            "(starting with a letter or digit, at most 200 characters)"
        )
    if data is not None and not isinstance(data, pd.DataFrame):
        raise ConfigError(f"data must be a pandas DataFrame or None, got {type(data).__name__}")
    values: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ConfigError(f"metric {key!r} must be a number, got {value!r}")
        values[str(key)] = float(value)
    if tags is not None and not isinstance(tags, Mapping):
        raise ConfigError(f"tags must be a mapping, got {type(tags).__name__}")
    for key, value in (artifacts or {}).items():
        if not isinstance(key, str) or not _ARTIFACT_NAME.match(key) or ".." in key.split("/"):
            raise ConfigError(f"artifact name {key!r} must be a relative path of letters, digits, '_', '-', '.'")
        if key == MODEL_PATH or key.startswith(MODEL_PATH + "/"):
            raise ConfigError(f"artifact name {key!r} is reserved for the logged model")
        if isinstance(value, (str, Path)):
            if not Path(value).exists():
                raise ConfigError(f"artifact {key!r}: {value} does not exist")
        elif not isinstance(value, (pd.DataFrame, dict, list)):
            raise ConfigError(
                f"artifact {key!r} must be a DataFrame, a file or folder path, or a dict/list, "
                f"got {type(value).__name__}"
            )
    return values


def _run_tags(
    model: Model, data: pd.DataFrame | None, tags: Mapping[str, Any] | None, unpackaged: list[str]
) -> dict[str, str]:
    from yotml_airflow import __version__

    cls = type(model)
    out = {
        "yotml.version": __version__,
        "yotml.model_class": f"{cls.__module__}:{cls.__qualname__}",
        "yotml.output_columns": json.dumps(model.output_columns()),
    }
    commit = git_commit()
    if commit:
        out["yotml.git_commit"] = commit
        out["mlflow.source.git.commit"] = commit
    if data is not None:
        out.update(data_fingerprint(data))
    if unpackaged:
        out["yotml.unpackaged_modules"] = ",".join(unpackaged)
    for key, value in (tags or {}).items():
        out[str(key)[:250]] = truncate(value if isinstance(value, str) else json.dumps(value, default=str), MAX_VALUE)
    return out


def _log_artifacts(client: Any, run_id: str, model: Model, artifacts: Mapping[str, Any] | None, staging: Path) -> None:
    full = staging / "extra" / "yotml_params.json"
    full.parent.mkdir(parents=True)
    full.write_text(json.dumps(model.get_params(), default=repr, indent=2, sort_keys=True))
    client.log_artifact(run_id, str(full))
    for key, value in (artifacts or {}).items():
        parent, _, leaf = key.rpartition("/")
        target = staging / "extra" / "items" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, pd.DataFrame):
            path = target.with_name(leaf + ".parquet")
            value.to_parquet(path)
        elif isinstance(value, (dict, list)):
            path = target.with_name(leaf + ".json")
            path.write_text(json.dumps(value, default=str, indent=2, allow_nan=True))
        else:
            path = Path(value)
            if path.is_file():
                wanted = leaf if Path(leaf).suffix else leaf + path.suffix
                if wanted != path.name:
                    shutil.copyfile(path, target.with_name(wanted))
                    path = target.with_name(wanted)
        if path.is_dir():
            client.log_artifacts(run_id, str(path), artifact_path=key)
        else:
            client.log_artifact(run_id, str(path), artifact_path=parent or None)
