"""``BatchTransformOperator``: score a table with a registered model on Spark."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator
from yotml_airflow.operators._fit import check_names, check_path, positive_int

METHODS = ("predict", "transform")
MODES = ("overwrite", "error")


def check_model_uri(value: Any) -> str:
    """A fitted model reference: ``models:/name@alias``, ``models:/name/3``, ``runs:/...`` or a saved folder.

    >>> check_model_uri("models:/churn@champion")
    'models:/churn@champion'
    """
    uri = check_path(value, "model_uri")
    if uri.startswith("models:/") and len(uri) <= len("models:/"):
        raise ConfigError(f"model_uri {uri!r} names no model: use models:/name@alias or models:/name/version.")
    return uri


class BatchTransformOperator(YotmlSparkJobOperator):
    """Apply a fitted model (``predict`` or ``transform``) to a table with Spark and write the result.

    ``model_uri`` is ``models:/name@alias``, ``models:/name/3``, ``runs:/...`` or a saved fitted
    model folder. The output is written atomically (to a temporary location, then renamed), so a
    retry replaces it (``mode="overwrite"``) instead of appending. XCom: ``{"output", "format",
    "rows", "model", "method"}``.

    ``output_path`` is the output location (``output`` is taken by Airflow's ``BaseOperator.output``).

    Example::

        BatchTransformOperator(
            task_id="score",
            input="/data/customers/ds={{ ds }}",
            output_path="/data/scores/ds={{ ds }}",
            model_uri="models:/churn@champion",
        )
    """

    job = "transform"
    template_fields: Sequence[str] = (
        "input",
        "output_path",
        "model_uri",
        "method",
        "keep_columns",
        "input_format",
        "output_format",
        *SPARK_TEMPLATE_FIELDS,
    )

    def __init__(
        self,
        *,
        input: str,
        output_path: str,
        model_uri: str,
        method: str = "predict",
        keep_columns: list[str] | None = None,
        input_format: str | None = None,
        output_format: str | None = None,
        mode: str = "overwrite",
        batch_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.batch_size = batch_size
        self.input = input
        self.output_path = output_path
        self.model_uri = model_uri
        self.method = method
        self.keep_columns = keep_columns
        self.input_format = input_format
        self.output_format = output_format

    def _job_args(self) -> list[str]:
        if self.method not in METHODS:
            raise ConfigError(f"method must be one of {METHODS}, got {self.method!r}.")
        args = [
            "--input",
            check_path(self.input, "input"),
            "--output",
            check_path(self.output_path, "output_path"),
            "--model",
            check_model_uri(self.model_uri),
            "--method",
            self.method,
        ]
        if self.keep_columns:
            args += ["--keep-columns", ",".join(check_names(self.keep_columns, "keep_columns"))]
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {self.mode!r}.")
        if self.mode != "overwrite":
            args += ["--mode", self.mode]
        if self.batch_size is not None:
            args += ["--batch-size", str(positive_int(self.batch_size, "batch_size"))]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.output_format:
            args += ["--output-format", str(self.output_format)]
        return args
