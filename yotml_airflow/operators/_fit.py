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
    ['--model-spec', 'sklearn_models:Churn', '--model-params', '{"depth": 3}']
    >>> check_model_spec("/models/churn_unfitted", None)
    ['--model-spec', '/models/churn_unfitted']
    """
    if not isinstance(model_spec, str) or not model_spec.strip():
        raise ConfigError(
            f"model_spec must be 'package.module:ClassName' or the path of a saved unfitted model, got {model_spec!r}."
        )
    args = ["--model-spec", model_spec]
    if _CLASS_SPEC.match(model_spec):
        if model_params is not None:
            args += ["--model-params", as_json_arg(model_params, "model_params")]
    elif model_params:
        raise ConfigError(
            f"model_params were given with model_spec {model_spec!r}, which is not 'package.module:ClassName': "
            "a saved model folder carries its own parameters."
        )
    return args


def check_name(value: Any, what: str) -> str:
    """A registered-model (or column) name: non-empty, letters, digits, ``_.-``."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(f"{what} must be a non-empty name of letters, digits, '_', '.', '-', got {value!r}.")
    return value


def check_path(value: Any, what: str) -> str:
    """A non-empty path or URI (a rendered template)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty path or URI, got {value!r}.")
    if "{{" in value or "{%" in value:
        raise ConfigError(f"{what} still holds an unrendered template: {value!r}.")
    return value


class FitModelOperator(YotmlSparkJobOperator):
    """Fit a model on data read by Spark and register the fitted model in MLflow.

    ``model_spec`` is ``"package.module:ClassName"`` (constructed with ``model_params``, a dict or
    JSON string) or a saved unfitted model folder. The model code must be importable on the Spark
    driver (installed, or shipped with ``py_files``). XCom: ``{"name", "version", "model_uri",
    "run_id", "metrics"}``.

    Example::

        FitModelOperator(
            task_id="fit",
            input="/data/customers/ds={{ ds }}",
            model_spec="churn.models:ChurnModel",
            model_params={"max_depth": 4},
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
        "alias",
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
        max_rows: int | None = None,
        alias: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.model_spec = model_spec
        self.model_params = model_params
        self.register_name = register_name
        self.input_format = input_format
        self.max_rows = max_rows
        self.alias = alias

    def _job_args(self) -> list[str]:
        args = ["--input", check_path(self.input, "input")]
        args += check_model_spec(self.model_spec, self.model_params)
        args += ["--register-name", check_name(self.register_name, "register_name")]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.max_rows is not None:
            if not isinstance(self.max_rows, int) or self.max_rows <= 0:
                raise ConfigError(f"max_rows must be a positive integer, got {self.max_rows!r}.")
            args += ["--max-rows", str(self.max_rows)]
        if self.alias:
            args += ["--alias", check_name(self.alias, "alias")]
        return args
