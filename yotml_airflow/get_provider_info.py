"""Airflow provider registration: the ``apache_airflow_provider`` entry point calls this.

Example:
    >>> get_provider_info()["package-name"]
    'yotml-airflow'
"""

from __future__ import annotations

from typing import Any

from yotml_airflow import __version__


def get_provider_info() -> dict[str, Any]:
    """The provider metadata Airflow validates against its ``provider_info.schema.json``."""
    return {
        "package-name": "yotml-airflow",
        "name": "yotml",
        "description": "Everything is a model: fit, version, batch-score, segment and monitor pandas models "
        "with Spark and MLflow from Airflow.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "yotml",
                "external-doc-url": "https://github.com/yotml/yotml-airflow#readme",
                "tags": ["software"],
            }
        ],
        "operators": [{"integration-name": "yotml", "python-modules": ["yotml_airflow.operators"]}],
        "hooks": [{"integration-name": "yotml", "python-modules": ["yotml_airflow.operators._mlflow_hook"]}],
        "connection-types": [
            {
                "connection-type": "mlflow",
                "hook-class-name": "yotml_airflow.operators.MlflowTrackingHook",
                "hook-name": "MLflow tracking (yotml)",
            }
        ],
    }
