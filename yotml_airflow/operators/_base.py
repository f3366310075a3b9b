"""The shared machinery of every yotml operator: build a job's arguments, spark-submit it, read its result.

A subclass names its job (``job``), lists its own templated fields, validates them in
``_validate`` and turns them into job arguments in ``_job_args``. Everything about Spark
(connection, conf, py_files, packages, jars, executors, env) is handled here and passed through to
the apache-spark provider's ``SparkSubmitHook``.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from yotml_airflow.errors import ConfigError, JobError
from yotml_airflow.operators._env import job_entry_file, job_environment, resolve_tracking_uri
from yotml_airflow.operators._submit import JobSubmitHook

if TYPE_CHECKING:
    from airflow.sdk import Context

SPARK_TEMPLATE_FIELDS: tuple[str, ...] = (
    "conn_id",
    "conf",
    "files",
    "py_files",
    "jars",
    "packages",
    "repositories",
    "env_vars",
    "name",
    "tracking_uri",
    "mlflow_conn_id",
    "extra_args",
    "driver_memory",
    "executor_memory",
)

DEFAULT_CONF = {"spark.ui.showConsoleProgress": "false"}


class YotmlSparkJobOperator(BaseOperator):
    """Base of the yotml operators: submit ``python -m yotml_airflow.jobs <job> ...`` with spark-submit.

    Spark settings (all optional, all passed through to ``SparkSubmitHook``): ``conn_id``
    (default ``spark_default``), ``conf``, ``files``, ``py_files`` (ship user model code that is not
    installed on the executors), ``jars``, ``packages``, ``repositories``, ``env_vars``,
    ``num_executors``, ``executor_cores``, ``executor_memory``, ``total_executor_cores``,
    ``driver_memory``, ``deploy_mode``, ``spark_binary``, ``properties_file``, ``verbose``.
    MLflow: ``tracking_uri`` or ``mlflow_conn_id`` (a connection of type ``mlflow``); without
    them the job uses ``MLFLOW_TRACKING_URI`` of the environment or tracking's default.
    ``extra_args`` are appended to the job's own arguments. ``result_dir`` is where the job writes
    its result JSON (a fresh temporary folder by default; give a shared path in cluster deploy mode).

    The job's result JSON is the task's return value (XCom).
    """

    job: ClassVar[str] = ""
    template_fields: Sequence[str] = SPARK_TEMPLATE_FIELDS
    template_fields_renderers: ClassVar[dict[str, str]] = {"conf": "json", "env_vars": "json"}
    ui_color = "#e8f4ea"

    def __init__(
        self,
        *,
        conn_id: str = "spark_default",
        conf: dict[str, Any] | None = None,
        files: str | None = None,
        py_files: str | None = None,
        jars: str | None = None,
        packages: str | None = None,
        repositories: str | None = None,
        env_vars: dict[str, Any] | None = None,
        num_executors: int | None = None,
        executor_cores: int | None = None,
        executor_memory: str | None = None,
        total_executor_cores: int | None = None,
        driver_memory: str | None = None,
        deploy_mode: str | None = None,
        spark_binary: str | None = None,
        properties_file: str | None = None,
        verbose: bool = False,
        name: str | None = None,
        tracking_uri: str | None = None,
        mlflow_conn_id: str | None = None,
        extra_args: list[str] | None = None,
        result_dir: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.conf = conf
        self.files = files
        self.py_files = py_files
        self.jars = jars
        self.packages = packages
        self.repositories = repositories
        self.env_vars = env_vars
        self.num_executors = num_executors
        self.executor_cores = executor_cores
        self.executor_memory = executor_memory
        self.total_executor_cores = total_executor_cores
        self.driver_memory = driver_memory
        self.deploy_mode = deploy_mode
        self.spark_binary = spark_binary
        self.properties_file = properties_file
        self.verbose = verbose
        self.name = name
        self.tracking_uri = tracking_uri
        self.mlflow_conn_id = mlflow_conn_id
        self.extra_args = extra_args
        self.result_dir = result_dir
        self._hook: JobSubmitHook | None = None

    def _validate(self) -> None:
        """Check the job's own (rendered) fields; raise ``ConfigError``. Subclasses extend."""

    def _job_args(self) -> list[str]:
        """The job's own command-line arguments (after the job name). Subclasses implement."""
        raise NotImplementedError

    def _summarize(self, result: dict[str, Any]) -> dict[str, Any]:
        """Turn the job's result JSON into the XCom value (and apply any policy). Subclasses extend."""
        return result

    def application_args(self, result_path: str | None = None) -> list[str]:
        """The full argument list after the entry file: ``<job> <job args> [--result-path P]``."""
        self._validate_common()
        self._validate()
        args = [self.job, *self._job_args(), *[str(a) for a in (self.extra_args or [])]]
        if result_path:
            args += ["--result-path", result_path]
        return args

    def _validate_common(self) -> None:
        if not self.job:
            raise ConfigError(f"{type(self).__name__} names no job.")
        if self.conf is not None and not isinstance(self.conf, Mapping):
            raise ConfigError(f"conf must be a dict of Spark properties, got {type(self.conf).__name__}.")
        if self.env_vars is not None and not isinstance(self.env_vars, Mapping):
            raise ConfigError(f"env_vars must be a dict, got {type(self.env_vars).__name__}.")
        if self.extra_args is not None and (
            isinstance(self.extra_args, str) or not isinstance(self.extra_args, Sequence)
        ):
            raise ConfigError("extra_args must be a list of strings.")

    def get_hook(self, result_path: str | None = None) -> JobSubmitHook:
        """The ``SparkSubmitHook`` this task submits with (validates the fields first)."""
        application_args = self.application_args(result_path)
        tracking = resolve_tracking_uri(self.tracking_uri, self.mlflow_conn_id, self.env_vars)
        conf = {**DEFAULT_CONF, **(self.conf or {})}
        return JobSubmitHook(
            conf=conf,
            conn_id=self.conn_id,
            files=self.files,
            py_files=self.py_files,
            jars=self.jars,
            packages=self.packages,
            repositories=self.repositories,
            num_executors=self.num_executors,
            executor_cores=self.executor_cores,
            executor_memory=self.executor_memory,
            total_executor_cores=self.total_executor_cores,
            driver_memory=self.driver_memory,
            name=self.name or f"yotml-{self.job}-{self.task_id}",
            application_args=application_args,
            env_vars=job_environment(self.env_vars, tracking_uri=tracking),
            verbose=self.verbose,
            spark_binary=self.spark_binary,
            properties_file=self.properties_file,
            deploy_mode=self.deploy_mode,
        )

    def application(self) -> str:
        """The file spark-submit runs: the installed yotml jobs entry point."""
        return job_entry_file()

    def spark_submit_command(self, result_path: str | None = None) -> list[str]:
        """The exact spark-submit argv this task runs (for inspection and tests)."""
        return self.get_hook(result_path)._build_spark_submit_command(self.application())

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate, submit the job, wait for it, and return its result."""
        application = self.application()
        workdir = Path(self.result_dir) if self.result_dir else Path(tempfile.mkdtemp(prefix="yotml-result-"))
        result_path = workdir / f"{self.job}-{self.task_id}-result.json"
        try:
            self._hook = self.get_hook(str(result_path))
            result_path.unlink(missing_ok=True)
            try:
                self._hook.submit_and_wait(application)
            except Exception as exc:
                raise self._job_error(exc, result_path) from exc
            result = _read_result(result_path, self.job)
        finally:
            if not self.result_dir:
                shutil.rmtree(workdir, ignore_errors=True)
        self.log.info("yotml job %s result: %s", self.job, json.dumps(result, default=str))
        return self._summarize(result)

    def _job_error(self, exc: Exception, result_path: Path) -> JobError:
        hook = self._hook
        errors = hook.python_errors if hook else None
        message = errors.message if errors else None
        reported = _read_error(result_path)
        summary = reported or message or str(exc).splitlines()[0]
        text = f"yotml job {self.job!r} (task {self.task_id}) failed: {summary}"
        if errors and errors.traceback:
            text += "\nJob traceback (tail):\n" + "\n".join(errors.traceback)
        else:
            text += f"\n{exc}"
        self.log.error("%s", text)
        return JobError(text)

    def on_kill(self) -> None:
        """Stop the Spark job and every process it started."""
        if self._hook is not None:
            self._hook.kill_tree()


def _read_result(path: Path, job: str) -> dict[str, Any]:
    if not path.is_file():
        raise JobError(f"yotml job {job!r} finished but wrote no result to {path}.")
    try:
        result = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise JobError(f"yotml job {job!r} wrote an unreadable result to {path}: {exc}") from exc
    if not isinstance(result, dict):
        raise JobError(f"yotml job {job!r} wrote a result that is not a JSON object: {result!r}")
    return json_safe(result)


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by ``None`` (XCom is strict JSON).

    >>> json_safe({"auc": float("nan"), "n": [1.5, float("inf")]})
    {'auc': None, 'n': [1.5, None]}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def _read_error(path: Path) -> str | None:
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return str(error) if error else None


def as_json_arg(value: Any, what: str) -> str:
    """A dict (or a JSON string of one) as a compact JSON argument; ``ConfigError`` otherwise.

    >>> as_json_arg({"alpha": 0.1}, "model_params")
    '{"alpha": 0.1}'
    >>> as_json_arg('{"alpha": 0.1}', "model_params")
    '{"alpha": 0.1}'
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, Mapping):
        raise ConfigError(f"{what} must be a dict (or a JSON object string), got {type(value).__name__}.")
    try:
        return json.dumps(dict(value), sort_keys=True)
    except TypeError as exc:
        raise ConfigError(f"{what} must hold JSON values only: {exc}") from exc
