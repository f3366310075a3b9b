"""Turn the model a factory is given (a spec or a ``Model`` object) into operator arguments.

A ``"package.module:ClassName"`` spec (with params) or a saved unfitted model folder passes through.
A ``Model`` object is saved once, unfitted, under ``<YOTML_HOME or cwd>/.yotml/dag_models/<dag_id>/``
in a folder named by the hash of its parameters, so parsing the DAG file again writes nothing new.

Example:
    >>> model_arguments("yotml_airflow.models:SklearnModel", {"target": "y"}, "d")
    ('yotml_airflow.models:SklearnModel', {'target': 'y'})
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.models import Model


def dag_models_dir() -> Path:
    """Where factories keep the unfitted models given as objects."""
    return Path(os.environ.get("YOTML_HOME", os.getcwd())) / ".yotml" / "dag_models"


def model_arguments(
    model: Model | str, params: dict[str, Any] | None, dag_id: str
) -> tuple[str, dict[str, Any] | None]:
    """``(model_spec, model_params)`` for ``FitModelOperator``/``SegmentedFitOperator``."""
    if isinstance(model, str):
        return model, params
    if not isinstance(model, Model):
        raise ConfigError(
            f"{dag_id}: model must be a yotml Model or a 'package.module:ClassName' spec, got {type(model).__name__}"
        )
    if params:
        raise ConfigError(f"{dag_id}: model params go into the Model object itself, not model_params")
    if model.is_fitted():
        model = model.clone()
    digest = hashlib.sha256(pickle.dumps(model, protocol=4)).hexdigest()[:16]
    folder = dag_models_dir() / dag_id / f"{type(model).__name__}-{digest}"
    if not (folder / "manifest.json").is_file():
        model.save(folder)
    return str(folder), None


def saved_model_spec(model: Model, name: str) -> str:
    """Save an unfitted ``model`` once for the DAG ``name``; the folder is a ``model_spec`` for the fit operators.

    Example::

        SegmentedFitOperator(task_id="fit", model_spec=saved_model_spec(churn_model(), "churn"), ...)
    """
    spec, _ = model_arguments(model, None, name)
    return spec
