"""Where a served model comes from: an MLflow URI (``models:/churn@champion``) or a saved folder.

``load_served`` loads the model once and compiles what every request needs (the input
validator, the output columns). ``current_fingerprint`` asks cheaply which version the source
points at now, so the server can notice an alias that moved (or a folder that was replaced)
without loading anything.

Example:
    >>> is_uri("models:/churn@champion"), is_uri("/srv/models/churn")
    (True, False)
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yotml_airflow.errors import ConfigError, TrackingError
from yotml_airflow.models import Model, SegmentedModel
from yotml_airflow.models import load_model as load_saved_model
from yotml_airflow.serving._fastpath import FastPath, compile_fast_path
from yotml_airflow.serving._segments import SegmentRouter
from yotml_airflow.serving._validate import InputValidator
from yotml_airflow.tracking import describe_model
from yotml_airflow.tracking import load_model as load_tracked_model

_URI_PREFIXES = ("models:/", "runs:/")


def is_uri(source: str | Path) -> bool:
    """True for an MLflow model URI, False for a local folder path."""
    text = str(source)
    return text.startswith(_URI_PREFIXES) or "://" in text


@dataclass(frozen=True)
class ServedModel:
    """One loaded model version and what requests need from it (immutable: swapped as a whole)."""

    model: Model
    name: str
    version: int | None
    source: str
    fingerprint: str
    validator: InputValidator
    output_columns: dict[str, str]
    run_id: str | None = None
    fast_path: FastPath | None = None
    loaded_at: float = field(default_factory=time.time)

    def describe(self) -> dict[str, Any]:
        """The JSON description served by ``GET /model``."""
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "run_id": self.run_id,
            "model_class": type(self.model).__name__,
            "input_schema": dict(self.validator.schema),
            "output_columns": dict(self.output_columns),
            "max_rows": self.validator.max_rows,
            "fast_path": self.fast_path is not None,
            "loaded_at": self.loaded_at,
            **self._segments(),
        }

    def _segments(self) -> dict[str, Any]:
        if not isinstance(self.model, SegmentedModel):
            return {}
        router = self.fast_path
        return {
            "segment_col": self.model.segment_col,
            "segments": len(self.model.store_),
            "segments_in_memory": router.cached_segments() if isinstance(router, SegmentRouter) else None,
        }


def _folder_fingerprint(folder: Path) -> str:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise ConfigError(f"{folder} is not a saved yotml model (no manifest.json)")
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]


def _check_folder(source: str | Path) -> Path:
    folder = Path(source)
    if not folder.is_dir():
        raise ConfigError(f"no saved model at {folder}: give a models:/ or runs:/ URI or a saved model folder")
    return folder


def current_fingerprint(source: str | Path, *, tracking_uri: str | None = None) -> str:
    """What ``source`` points at now: the pinned URI of an alias, the manifest digest of a folder."""
    if is_uri(source):
        return describe_model(str(source), tracking_uri=tracking_uri).uri
    return _folder_fingerprint(_check_folder(source))


def load_served(source: str | Path, *, max_rows: int = 1000, tracking_uri: str | None = None) -> ServedModel:
    """Load the model ``source`` names now and compile its request validator.

    A ``models:/name@alias`` URI is resolved to a pinned ``models:/name/<version>`` first, and
    that exact version is loaded, so a concurrent alias move cannot mix two versions.
    """
    if is_uri(source):
        ref = describe_model(str(source), tracking_uri=tracking_uri)
        model = load_tracked_model(ref.uri, tracking_uri=tracking_uri)
        name, version, run_id, fingerprint = ref.name or ref.uri, ref.version, ref.run_id, ref.uri
    else:
        folder = _check_folder(source)
        fingerprint = _folder_fingerprint(folder)
        model = load_saved_model(folder)
        name, version, run_id = folder.resolve().name, None, None
    if not isinstance(model, Model):
        raise TrackingError(f"{source} does not hold a yotml Model (got {type(model).__name__})")
    if not model.is_fitted():
        raise ConfigError(f"{source} holds an unfitted {type(model).__name__}; fit and save it before serving")
    return ServedModel(
        model=model,
        name=name,
        version=version,
        source=str(source),
        fingerprint=fingerprint,
        validator=InputValidator(model.input_schema, max_rows=max_rows),
        output_columns=dict(model.output_columns()),
        run_id=run_id,
        fast_path=SegmentRouter(model) if isinstance(model, SegmentedModel) else compile_fast_path(model),
    )
