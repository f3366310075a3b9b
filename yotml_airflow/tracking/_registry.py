"""Find, load and promote logged models: ``models:/`` and ``runs:/`` URIs, registry aliases.

Accepted URIs: ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``, ``models:/<name>/latest``,
``models:/<name>@<alias>`` and MLflow 3's ``models:/<model_id>``. An unknown name, version or alias is
a ``TrackingError`` listing what exists.

Example:
    >>> parse_uri("models:/churn@champion")
    ('alias', 'churn', 'champion')
    >>> parse_uri("runs:/0123abcd/model")
    ('run', '0123abcd', 'model')
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yotml_airflow.errors import ConfigError, TrackingError
from yotml_airflow.models import Model
from yotml_airflow.models import load_model as load_folder
from yotml_airflow.tracking._store import client as make_client
from yotml_airflow.tracking._store import mlflow_uris

_FORMS = "runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>@<alias> or models:/<model_id>"
_RUN = re.compile(r"^runs:/([0-9A-Za-z_-]+)/(.+)$")
_VERSION = re.compile(r"^models:/([^/@]+)/(\d+|latest)$")
_ALIAS = re.compile(r"^models:/([^/@]+)@([^/@]+)$")
_MODEL_ID = re.compile(r"^models:/(m-[0-9a-f]{8,})$")
_BAD_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class ModelRef:
    """A logged model pinned down: registry ``name``/``version`` (None for an unregistered run model),
    the ``run_id`` that logged it, ``uri`` (a pinned ``models:/name/version`` or ``runs:/`` URI that always
    means this same model) and ``source`` (where MLflow stores it)."""

    name: str | None
    version: int | None
    run_id: str | None
    uri: str
    source: str | None = None


def parse_uri(uri: str) -> tuple[str, str, str]:
    """``(kind, a, b)``: ``('run', run_id, path)``, ``('version', name, version)``, ``('alias', name, alias)``
    or ``('model_id', id, '')``; a malformed URI is a ``TrackingError`` naming the accepted forms."""
    if not isinstance(uri, str):
        raise TrackingError(f"a model URI must be a string, got {type(uri).__name__}; use {_FORMS}")
    text = uri.strip().rstrip("/")
    for kind, pattern in (("run", _RUN), ("model_id", _MODEL_ID), ("version", _VERSION), ("alias", _ALIAS)):
        match = pattern.match(text)
        if match:
            groups = [*match.groups(), ""]
            return kind, groups[0], groups[1]
    raise TrackingError(f"malformed model URI {uri!r}: expected {_FORMS}")


def describe_model(uri: str, *, tracking_uri: str | None = None) -> ModelRef:
    """Resolve ``uri`` (an alias, 'latest', a run path) to the exact model it designates now.

    Example::

        describe_model("models:/churn@champion")
        # ModelRef(name='churn', version=3, run_id='5f2e...', uri='models:/churn/3', source='models:/m-...')
    """
    kind, a, b = parse_uri(uri)
    from mlflow.exceptions import MlflowException

    client = make_client(tracking_uri)
    try:
        if kind == "run":
            _check_run(client, a)
            return ModelRef(None, None, a, f"runs:/{a}/{b}", f"runs:/{a}/{b}")
        if kind == "model_id":
            logged = _call(client.get_logged_model, a, what=f"logged model {a!r}")
            return ModelRef(None, None, logged.source_run_id, f"models:/{a}", logged.artifact_location)
        _check_name(client, a)
        if kind == "version":
            version = _latest(client, a) if b == "latest" else int(b)
            mv = _get_version(client, a, version)
        else:
            mv = _get_alias(client, a, b)
        return ModelRef(mv.name, int(mv.version), mv.run_id, f"models:/{mv.name}/{mv.version}", mv.source)
    except MlflowException as exc:
        raise TrackingError(f"cannot resolve {uri!r}: {exc.message}") from exc


def load_model(uri: str, *, tracking_uri: str | None = None) -> Model:
    """The yotml ``Model`` logged at ``uri``, after verifying its manifest and every file's sha256.

    Example::

        model = load_model("models:/churn@champion")
        model.predict(df)
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    from yotml_airflow.tracking._pyfunc import ARTIFACT, META_MANIFEST, load_verified

    ref = describe_model(uri, tracking_uri=tracking_uri)
    local = Path(tempfile.mkdtemp(prefix="yotml-mlflow-"))
    try:
        with mlflow_uris(tracking_uri):
            try:
                path = Path(mlflow.artifacts.download_artifacts(artifact_uri=ref.uri, dst_path=str(local)))
                meta = mlflow.models.Model.load(str(path)).metadata or {}
            except (MlflowException, OSError) as exc:
                message = getattr(exc, "message", str(exc))
                raise TrackingError(f"cannot download the model at {ref.uri}: {message}") from exc
        folder = path / "artifacts" / ARTIFACT
        if not folder.is_dir():
            raise TrackingError(f"{ref.uri} is an MLflow model but not one logged by yotml_airflow (no {ARTIFACT})")
        model = load_verified(folder, meta.get(META_MANIFEST))
    except BaseException:
        shutil.rmtree(local, ignore_errors=True)
        raise
    weakref.finalize(model, shutil.rmtree, str(local), True)
    return model


def resolve_model(ref: Model | str | Path, *, tracking_uri: str | None = None) -> Model:
    """A ``Model`` from a model, a saved-model folder, or a ``models:/`` / ``runs:/`` URI.

    >>> import pandas as pd
    >>> from yotml_airflow.models import SklearnModel
    >>> from sklearn.linear_model import LinearRegression
    >>> m = SklearnModel(LinearRegression(), target="y").fit(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 2.0]}))
    >>> resolve_model(m) is m
    True
    """
    if isinstance(ref, Model):
        return ref
    if isinstance(ref, str) and ref.strip().startswith(("models:/", "runs:/")):
        return load_model(ref, tracking_uri=tracking_uri)
    if isinstance(ref, (str, Path)):
        if Path(ref).is_dir():
            return load_folder(ref)
        raise ConfigError(f"{str(ref)!r} is neither a saved model folder nor a model URI ({_FORMS})")
    raise ConfigError(f"expected a Model, a folder or a model URI, got {type(ref).__name__}")


def promote(name: str, version: int | str, alias: str = "champion", *, tracking_uri: str | None = None) -> ModelRef:
    """Point ``alias`` of registered model ``name`` at ``version`` (aliases, not deprecated stages).

    Example::

        promote("churn", 3)  # models:/churn@champion is now version 3
    """
    check_alias(alias)
    from mlflow.exceptions import MlflowException

    client = make_client(tracking_uri)
    _check_name(client, name)
    mv = _get_version(client, name, _as_version(version))
    try:
        client.set_registered_model_alias(name, alias, str(mv.version))
    except MlflowException as exc:
        raise TrackingError(f"cannot set alias {alias!r} on {name!r} version {mv.version}: {exc.message}") from exc
    return ModelRef(mv.name, int(mv.version), mv.run_id, f"models:/{mv.name}/{mv.version}", mv.source)


def check_alias(alias: str) -> None:
    """Raise ``ConfigError`` for an alias MLflow would refuse or that would be read as a version."""
    if not isinstance(alias, str) or not re.fullmatch(r"[A-Za-z0-9_\-]{1,255}", alias) or _BAD_ALIAS.match(alias):
        raise ConfigError(f"alias {alias!r} must be letters, digits, '_' or '-', and not 'latest' or 'v<number>'")


def registered_names(client: Any) -> list[str]:
    """Names of all registered models, sorted."""
    names: list[str] = []
    token = None
    while True:
        page = client.search_registered_models(max_results=1000, page_token=token)
        names.extend(m.name for m in page)
        token = page.token
        if not token:
            return sorted(names)


def versions_and_aliases(client: Any, name: str) -> tuple[list[int], dict[str, int]]:
    """The version numbers of ``name`` (sorted) and its ``{alias: version}``."""
    escaped = name.replace("'", "\\'")
    versions: list[int] = []
    token = None
    while True:
        page = client.search_model_versions(f"name = '{escaped}'", max_results=10000, page_token=token)
        versions.extend(int(v.version) for v in page)
        token = page.token
        if not token:
            break
    aliases = {a: int(v) for a, v in (client.get_registered_model(name).aliases or {}).items()}
    return sorted(versions), dict(sorted(aliases.items()))


def _check_name(client: Any, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise TrackingError(f"cannot read registered model {name!r}: {exc.message}") from exc
        names = registered_names(client)
        shown = names if len(names) <= 50 else [*names[:50], f"... ({len(names)} in all)"]
        raise TrackingError(f"no registered model named {name!r}; registered models: {shown or 'none'}") from None


def _get_version(client: Any, name: str, version: int) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version(name, str(version))
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise TrackingError(f"cannot read {name!r} version {version}: {exc.message}") from exc
        versions, aliases = versions_and_aliases(client, name)
        raise TrackingError(
            f"registered model {name!r} has no version {version}; versions: {versions}, aliases: {aliases}"
        ) from None


def _get_alias(client: Any, name: str, alias: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise TrackingError(f"cannot read alias {alias!r} of {name!r}: {exc.message}") from exc
        versions, aliases = versions_and_aliases(client, name)
        raise TrackingError(
            f"registered model {name!r} has no alias {alias!r}; aliases: {aliases or 'none'}, versions: {versions}"
        ) from None


def _latest(client: Any, name: str) -> int:
    versions, _ = versions_and_aliases(client, name)
    if not versions:
        raise TrackingError(f"registered model {name!r} has no versions yet")
    return versions[-1]


def _check_run(client: Any, run_id: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_run(run_id)
    except MlflowException as exc:
        raise TrackingError(f"no MLflow run {run_id!r} in {client.tracking_uri}: {exc.message}") from None


def _call(fn: Any, *args: Any, what: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return fn(*args)
    except MlflowException as exc:
        raise TrackingError(f"{what} not found: {exc.message}") from None


def _as_version(version: int | str) -> int:
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise ConfigError(f"a model version is a positive integer, got {version!r}") from None
    if number < 1 or isinstance(version, bool):
        raise ConfigError(f"a model version is a positive integer, got {version!r}")
    return number
