"""``yotml_airflow.tracking``: every fit an MLflow run, every model a pyfunc model, registry aliases.

- ``log_model`` logs a fitted model (params, metrics, tags, data fingerprint, pyfunc model with a
  signature and explicit pip requirements) and registers a version.
- ``load_model`` / ``resolve_model`` / ``describe_model`` read it back from ``runs:/`` or ``models:/`` URIs.
- ``promote`` moves an alias; ``promote_if_better`` is the champion/challenger gate.
- ``tracking_uri()``: the store in effect (default: SQLite under ``<project>/.yotml/mlflow``).

Example:
    >>> from yotml_airflow.tracking import tracking_uri
    >>> tracking_uri("sqlite:////tmp/mlflow.db")
    'sqlite:////tmp/mlflow.db'
"""

from yotml_airflow.tracking._log import LoggedModel, log_model
from yotml_airflow.tracking._metrics import HIGHER_IS_BETTER
from yotml_airflow.tracking._promotion import PromotionDecision, promote_if_better
from yotml_airflow.tracking._registry import ModelRef, describe_model, load_model, promote, resolve_model
from yotml_airflow.tracking._reports import log_report
from yotml_airflow.tracking._store import default_tracking_uri, project_dir, tracking_uri

__all__ = [
    "HIGHER_IS_BETTER",
    "LoggedModel",
    "ModelRef",
    "PromotionDecision",
    "default_tracking_uri",
    "describe_model",
    "load_model",
    "log_model",
    "log_report",
    "project_dir",
    "promote",
    "promote_if_better",
    "resolve_model",
    "tracking_uri",
]
