"""DAGs from YAML: the same retraining and scoring pipelines, declared in files.

One YAML file holds one DAG (or a list under ``dags:``). The config is validated with pydantic
before any DAG is built; an invalid file gives a ``ConfigError`` naming the file, the field and
what was expected. ``dags_from_yaml`` loads every valid file even when others are invalid: the
bad ones are reported as warnings (which Airflow shows as DAG-processing warnings) or raised
together with ``on_error="raise"``.

Example file::

    kind: retraining
    dag_id: churn_retraining_yaml
    schedule: "@weekly"
    train_data: /data/train/ds={{ ds }}
    holdout_data: /data/holdout/ds={{ ds }}
    model: {spec: "yotml_airflow.models:SklearnModel",
            params: {estimator: {spec: "sklearn.linear_model:LogisticRegression"}, target: churned}}
    register_name: churn
    target: churned
    segment_col: store_id

Example DAG file::

    from yotml_airflow.dag_factories import dags_from_yaml
    dags_from_yaml("/opt/dags/yotml/*.yaml", globals())
"""

from __future__ import annotations

import glob
import logging
import os
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yotml_airflow.errors import ConfigError

log = logging.getLogger(__name__)


class YamlDagWarning(UserWarning):
    """An invalid YAML DAG file was skipped; the other files still loaded."""


class ModelSpec(BaseModel):
    """A model to build: ``spec`` ("package.module:ClassName", or a saved unfitted model folder) and params."""

    model_config = ConfigDict(extra="forbid")
    spec: str = Field(min_length=1)
    params: dict[str, Any] | None = None


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dag_id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    schedule: str | None = None
    start_date: datetime = datetime(2026, 1, 1)
    catchup: bool = False
    tags: list[str] | None = None
    spark_conn_id: str = "spark_default"
    mlflow_conn_id: str | None = None
    tracking_uri: str | None = None
    spark_conf: dict[str, str] | None = None
    py_files: str | None = None
    env_vars: dict[str, str] | None = None
    retries: int = Field(default=1, ge=0)
    retry_delay_minutes: float = Field(default=5, ge=0)
    wait_timeout_minutes: float = Field(default=360, gt=0)
    poke_interval_minutes: float = Field(default=5, gt=0)

    def common_kwargs(self) -> dict[str, Any]:
        return {
            "dag_id": self.dag_id,
            "start_date": self.start_date,
            "catchup": self.catchup,
            "tags": self.tags,
            "spark_conn_id": self.spark_conn_id,
            "mlflow_conn_id": self.mlflow_conn_id,
            "tracking_uri": self.tracking_uri,
            "spark_conf": self.spark_conf,
            "py_files": self.py_files,
            "env_vars": self.env_vars,
            "default_args": {"retries": self.retries, "retry_delay": timedelta(minutes=self.retry_delay_minutes)},
            "wait_timeout": timedelta(minutes=self.wait_timeout_minutes),
            "poke_interval": timedelta(minutes=self.poke_interval_minutes),
        }


class RetrainingConfig(_Common):
    """The YAML form of ``retraining_dag``."""

    kind: Literal["retraining"]
    schedule: str | None = "@weekly"
    train_data: str = Field(min_length=1)
    holdout_data: str = Field(min_length=1)
    model: ModelSpec
    register_name: str = Field(pattern=r"^[\w.\-]+$")
    target: str = Field(min_length=1)
    segment_col: str | None = None
    min_rows: int | None = Field(default=None, ge=1)
    fallback: str | None = None
    metric: Literal["auc", "accuracy", "log_loss", "rmse", "mae", "r2"] = "auc"
    higher_is_better: bool | None = None
    min_delta: float = 0.0
    monitor: ModelSpec | None = ModelSpec(spec="yotml_airflow.models.monitoring:DriftMonitor")

    def build(self) -> Any:
        from yotml_airflow.dag_factories._retraining import retraining_dag

        return retraining_dag(
            **self.common_kwargs(),
            schedule=self.schedule,
            train_data=self.train_data,
            holdout_data=self.holdout_data,
            model=self.model.spec,
            model_params=self.model.params,
            register_name=self.register_name,
            target=self.target,
            segment_col=self.segment_col,
            min_rows=self.min_rows,
            fallback=self.fallback,
            metric=self.metric,
            higher_is_better=self.higher_is_better,
            min_delta=self.min_delta,
            monitor=self.monitor.spec if self.monitor else None,
            monitor_params=self.monitor.params if self.monitor else None,
        )


class ScoringConfig(_Common):
    """The YAML form of ``batch_scoring_dag``."""

    kind: Literal["batch_scoring"]
    schedule: str | None = "@daily"
    input_data: str = Field(min_length=1)
    output_path: str = Field(min_length=1)
    model_name: str = Field(pattern=r"^[\w.\-]+$")
    alias: str = "champion"
    keep_columns: list[str] | None = None
    monitor_reference: str | None = None
    monitor_columns: list[str] | None = None
    on_alert: Literal["fail", "notify", "ignore"] = "notify"
    webhook_url: str | None = None
    report_path: str | None = None
    kafka_topic: str | None = None
    kafka_bootstrap_servers: str | None = None
    kafka_key_column: str | None = None

    def build(self) -> Any:
        from yotml_airflow.dag_factories._scoring import batch_scoring_dag

        return batch_scoring_dag(
            **self.common_kwargs(),
            schedule=self.schedule,
            input_data=self.input_data,
            output_path=self.output_path,
            model_name=self.model_name,
            alias=self.alias,
            keep_columns=self.keep_columns,
            monitor_reference=self.monitor_reference,
            monitor_columns=self.monitor_columns,
            on_alert=self.on_alert,
            webhook_url=self.webhook_url,
            report_path=self.report_path,
            kafka_topic=self.kafka_topic,
            kafka_bootstrap_servers=self.kafka_bootstrap_servers,
            kafka_key_column=self.kafka_key_column,
        )


class _File(BaseModel):
    dag: Annotated[RetrainingConfig | ScoringConfig, Field(discriminator="kind")]


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"] if p not in ("dag", "retraining", "batch_scoring"))
        got = item.get("input")
        got_text = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"field '{field or '<top>'}': {item['msg']}{got_text}")
    return f"{path}: invalid yotml DAG config: " + "; ".join(lines)


def _expand_env(value: Any) -> Any:
    if isinstance(value, str):
        return os.path.expandvars(value)
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    return value


def load_dag_configs(path: str | Path) -> list[RetrainingConfig | ScoringConfig]:
    """Read and validate one YAML file; ``ConfigError`` names the file, the field and what was expected.

    ``${VAR}`` in string values is replaced by the environment variable ``VAR`` (data locations
    that differ between machines); ``{{ ds }}`` and other Jinja stay for Airflow to render.
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such YAML file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    document = _expand_env(document)
    entries = document.get("dags") if isinstance(document, dict) and "dags" in document else [document]
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a mapping with 'kind' (or a list under 'dags:')")
    configs = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: entry {i} must be a mapping, got {type(entry).__name__}")
        if "kind" not in entry:
            raise ConfigError(f"{path}: field 'kind' is required: 'retraining' or 'batch_scoring'")
        try:
            configs.append(_File(dag=entry).dag)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, path)) from None
    return configs


def dags_from_yaml(
    path_or_glob: str | Path, globals_dict: dict[str, Any] | None = None, on_error: str = "warn"
) -> dict[str, Any]:
    """Build the DAGs of every YAML file matching ``path_or_glob``; put them in ``globals_dict``.

    Invalid files never stop valid ones from loading. ``on_error="warn"`` (default) reports each
    invalid file as a ``YamlDagWarning`` (shown by Airflow as a DAG-processing warning);
    ``"raise"`` raises one ``ConfigError`` listing them all, after the valid DAGs are built.
    """
    if on_error not in ("warn", "raise"):
        raise ConfigError(f"on_error must be 'warn' or 'raise', got {on_error!r}")
    paths = sorted(glob.glob(str(path_or_glob))) or ([str(path_or_glob)] if Path(path_or_glob).is_file() else [])
    if not paths:
        raise ConfigError(f"no YAML files match {path_or_glob}")
    dags: dict[str, Any] = {}
    errors: list[str] = []
    for file in paths:
        try:
            for config in load_dag_configs(file):
                if config.dag_id in dags:
                    raise ConfigError(f"{file}: dag_id {config.dag_id!r} is defined twice")
                dags[config.dag_id] = config.build()
        except ConfigError as exc:
            errors.append(str(exc))
    if globals_dict is not None:
        globals_dict.update(dags)
    for message in errors:
        log.error("%s", message)
        if on_error == "warn":
            warnings.warn(message, YamlDagWarning, stacklevel=2)
    if errors and on_error == "raise":
        raise ConfigError("\n".join(errors))
    return dags
