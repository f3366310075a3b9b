"""An Airflow connection type for an MLflow tracking store: its host (or URI) is the tracking URI.

Examples of connections (as environment variables)::

    AIRFLOW_CONN_MLFLOW_DEFAULT='{"conn_type": "mlflow", "host": "http://127.0.0.1:5000"}'
    AIRFLOW_CONN_MLFLOW_DEFAULT='{"conn_type": "mlflow", "host": "sqlite:////srv/mlflow/mlflow.db"}'
    AIRFLOW_CONN_MLFLOW_DEFAULT='{"conn_type": "mlflow", "host": "mlflow.internal", "port": 5000, "schema": "https"}'

Example:
    >>> tracking_uri_of(host="mlflow.internal", port=5000, schema="https")
    'https://mlflow.internal:5000'
    >>> tracking_uri_of(host="sqlite:////srv/m.db")
    'sqlite:////srv/m.db'
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from yotml_airflow.errors import ConfigError


def tracking_uri_of(
    host: str | None, port: int | None = None, schema: str | None = None, extra: dict[str, Any] | None = None
) -> str:
    """Build a tracking URI from a connection's fields (``extra["tracking_uri"]`` wins)."""
    if extra and extra.get("tracking_uri"):
        return str(extra["tracking_uri"])
    if not host:
        raise ConfigError("The MLflow connection has no host: set its host to the tracking URI or server address.")
    if "://" in host:
        return f"{host}:{port}" if port else host
    scheme = schema or "http"
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


class MlflowTrackingHook(BaseHook):
    """Resolve an MLflow tracking URI from an Airflow connection (type ``mlflow``).

    Example (needs the connection to exist)::

        MlflowTrackingHook(mlflow_conn_id="mlflow_default").get_tracking_uri()
    """

    conn_name_attr = "mlflow_conn_id"
    default_conn_name = "mlflow_default"
    conn_type = "mlflow"
    hook_name = "MLflow tracking (yotml)"

    def __init__(self, mlflow_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.mlflow_conn_id = mlflow_conn_id

    def get_conn(self) -> str:
        """The tracking URI (an MLflow client is built by the job, not here)."""
        return self.get_tracking_uri()

    def get_tracking_uri(self) -> str:
        """The tracking URI the connection describes."""
        conn = self.get_connection(self.mlflow_conn_id)
        return tracking_uri_of(conn.host, conn.port, conn.schema, conn.extra_dejson)

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form: the host holds the tracking URI."""
        return {
            "hidden_fields": ["login", "password"],
            "relabeling": {"host": "Tracking URI or host", "schema": "Scheme (when host has none)"},
            "placeholders": {"host": "http://mlflow:5000 or sqlite:////path/mlflow.db"},
        }
