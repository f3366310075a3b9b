"""``FitModelOperator``: fit a model spec on Spark-read data and register it in MLflow."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator, as_json_arg

_CLASS_SPEC = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_NAME = re.compile(r"^[\w.\-]+$")


def check_model_spec(model_spec: Any, model_params: Any) -> list[str]:
    """Validate a model spec and return its job arguments.

    A spec is ``"package.module:ClassName"`` (built with ``model_params``) or the path of a saved,
    unfitted model folder (``Model.save``), which carries its own parameters.

    >>> check_model_spec("sklearn_models:Churn", {"depth": 3})
    ['--model-spec', 'sklearn_models:Churn', '--params', '{"depth": 3}']
    >>> check_model_spec("/models/churn_unfitted", None)
    ['--model-path', '/models/churn_unfitted']
    """
    if not isinstance(model_spec, str) or not model_spec.strip():
        raise ConfigError(
            f"model_spec must be 'package.module:ClassName' or the path of a saved unfitted model, got {model_spec!r}."
        )
    if _CLASS_SPEC.match(model_spec):
        args = ["--model-spec", model_spec]
        if model_params is not None:
            args += ["--params", as_json_arg(model_params, "model_params")]
    elif model_params:
        raise ConfigError(
            f"model_params were given with model_spec {model_spec!r}, which is not 'package.module:ClassName': "
            "a saved model folder carries its own parameters."
        )
    else:
        args = ["--model-path", model_spec]
    return args


def check_name(value: Any, what: str) -> str:
    """A registered-model (or column) name: non-empty, letters, digits, ``_.-``."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(f"{what} must be a non-empty name of letters, digits, '_', '.', '-', got {value!r}.")
    return value


def check_names(values: Any, what: str) -> list[str]:
    """A list of names (columns, metrics)."""
    if isinstance(values, str) or not isinstance(values, list | tuple) or not values:
        raise ConfigError(f"{what} must be a non-empty list of names, got {values!r}.")
    return [check_name(v, what) for v in values]


def positive_int(value: Any, what: str) -> int:
    """A positive integer option."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} must be a positive integer, got {value!r}.")
    return value


def check_path(value: Any, what: str) -> str:
    """A non-empty path or URI (a rendered template)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty path or URI, got {value!r}.")
    if "{{" in value or "{%" in value:
        raise ConfigError(f"{what} still holds an unrendered template: {value!r}.")
    return value


class FitModelOperator(YotmlSparkJobOperator):
    """Fit a model on data read by Spark, evaluate it on a holdout, and register it in MLflow.

    ``model_spec`` is ``"package.module:ClassName"`` (constructed with ``model_params``, a dict or
    JSON string whose values may nest ``{"spec": ..., "params": ...}``) or a saved unfitted model
    folder. The model code must be importable where the Spark driver runs (installed, or shipped
    with ``py_files``). ``holdout`` (with ``metrics`` and ``target``) evaluates the fit. XCom:
    ``{"name", "version", "model_uri", "run_id", "metrics"}``, so a downstream task can use
    ``"{{ ti.xcom_pull(task_ids='fit')['model_uri'] }}"``.

    Example::

        FitModelOperator(
            task_id="fit",
            input="/data/customers/ds={{ ds }}",
            model_spec="yotml_airflow.models:SklearnModel",
            model_params={"estimator": {"spec": "sklearn.linear_model:LogisticRegression"}, "target": "churned"},
            register_name="churn",
        )
    """

    job = "fit"
    template_fields: Sequence[str] = (
        "input",
        "model_spec",
        "model_params",
        "register_name",
        "input_format",
        "holdout",
        "metrics",
        "target",
        "tags",
        "output_model",
        *SPARK_TEMPLATE_FIELDS,
    )

    def __init__(
        self,
        *,
        input: str,
        model_spec: str,
        register_name: str,
        model_params: dict[str, Any] | str | None = None,
        input_format: str | None = None,
        holdout: str | None = None,
        metrics: list[str] | None = None,
        target: str | None = None,
        sample: float | None = None,
        max_rows: int | None = None,
        seed: int | None = None,
        register: bool = True,
        tags: dict[str, str] | str | None = None,
        output_model: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.model_spec = model_spec
        self.model_params = model_params
        self.register_name = register_name
        self.input_format = input_format
        self.holdout = holdout
        self.metrics = metrics
        self.target = target
        self.sample = sample
        self.max_rows = max_rows
        self.seed = seed
        self.register = register
        self.tags = tags
        self.output_model = output_model

    def _job_args(self) -> list[str]:
        args = ["--input", check_path(self.input, "input")]
        args += check_model_spec(self.model_spec, self.model_params)
        args += ["--register-name", check_name(self.register_name, "register_name")]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.holdout:
            args += ["--holdout", check_path(self.holdout, "holdout")]
        if self.metrics:
            args += ["--metrics", ",".join(check_names(self.metrics, "metrics"))]
        if self.target:
            args += ["--target", check_name(self.target, "target")]
        if self.sample is not None:
            if isinstance(self.sample, bool) or not isinstance(self.sample, int | float) or not 0 < self.sample <= 1:
                raise ConfigError(f"sample must be a fraction in (0, 1], got {self.sample!r}.")
            args += ["--sample", str(self.sample)]
        if self.max_rows is not None:
            args += ["--max-rows", str(positive_int(self.max_rows, "max_rows"))]
        if self.seed is not None:
            args += ["--seed", str(int(self.seed))]
        if not self.register:
            args += ["--no-register"]
        if self.tags:
            args += ["--tags", as_json_arg(self.tags, "tags")]
        if self.output_model:
            args += ["--output-model", check_path(self.output_model, "output_model")]
        return args
