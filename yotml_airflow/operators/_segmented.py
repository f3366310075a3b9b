"""``SegmentedFitOperator``: fit one copy of a model per segment on Spark, register one packed version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator
from yotml_airflow.operators._fit import check_model_spec, check_name, check_path


class SegmentedFitOperator(YotmlSparkJobOperator):
    """Fit ``model_spec`` once per value of ``segment_col`` in one Spark job (not one task per segment).

    Segments with fewer than ``min_rows`` rows, or whose fit fails, are reported, not fatal, unless
    more than ``max_failed_fraction`` of them fail. XCom: ``{"name", "version", "model_uri",
    "segments_fitted", "segments_failed", "failed" (a sample of failed segments and reasons)}``.

    Example::

        SegmentedFitOperator(
            task_id="fit_per_store",
            input="/data/customers/ds={{ ds }}",
            model_spec="churn.models:ChurnModel",
            segment_col="store_id",
            register_name="churn_per_store",
        )
    """

    job = "segmented_fit"
    template_fields: Sequence[str] = (
        "input",
        "model_spec",
        "model_params",
        "segment_col",
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
        segment_col: str,
        register_name: str,
        model_params: dict[str, Any] | str | None = None,
        min_rows: int | None = None,
        max_failed_fraction: float | None = None,
        input_format: str | None = None,
        alias: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.model_spec = model_spec
        self.model_params = model_params
        self.segment_col = segment_col
        self.register_name = register_name
        self.min_rows = min_rows
        self.max_failed_fraction = max_failed_fraction
        self.input_format = input_format
        self.alias = alias

    def _job_args(self) -> list[str]:
        args = ["--input", check_path(self.input, "input")]
        args += check_model_spec(self.model_spec, self.model_params)
        args += ["--segment-col", check_name(self.segment_col, "segment_col")]
        args += ["--register-name", check_name(self.register_name, "register_name")]
        if self.min_rows is not None:
            if not isinstance(self.min_rows, int) or self.min_rows < 1:
                raise ConfigError(f"min_rows must be a positive integer, got {self.min_rows!r}.")
            args += ["--min-rows", str(self.min_rows)]
        if self.max_failed_fraction is not None:
            if not isinstance(self.max_failed_fraction, int | float) or not 0 <= self.max_failed_fraction <= 1:
                raise ConfigError(f"max_failed_fraction must be in [0, 1], got {self.max_failed_fraction!r}.")
            args += ["--max-failed-fraction", str(self.max_failed_fraction)]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.alias:
            args += ["--alias", check_name(self.alias, "alias")]
        return args
