"""``SegmentedFitOperator``: fit one copy of a model per segment on Spark, register one packed version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator, as_json_arg
from yotml_airflow.operators._fit import check_model_spec, check_name, check_path, positive_int

FALLBACKS = ("global", "error")


class SegmentedFitOperator(YotmlSparkJobOperator):
    """Fit ``model_spec`` once per value of ``segment_col`` in one Spark job (not one task per segment).

    The job wraps the model in a ``SegmentedModel`` (one packed MLflow version for all segments).
    Segments with fewer than ``min_rows`` rows, unseen segments and failed fits use ``fallback``
    (``"global"``: the model fit on all rows; ``"error"``: refuse); the job fails only when more than
    ``max_failure_ratio`` of the segment fits raise. XCom: ``{"name", "version", "model_uri",
    "run_id", "segments_fitted", "segments_failed", "segments_too_small", "failed"}`` (``failed``:
    a sample of failed segments with their errors).

    Example::

        SegmentedFitOperator(
            task_id="fit_per_store",
            input="/data/customers/ds={{ ds }}",
            model_spec="yotml_airflow.models:SklearnModel",
            model_params={"estimator": {"spec": "sklearn.linear_model:LogisticRegression"}, "target": "churned"},
            segment_col="store_id",
            min_rows=30,
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
        "fallback",
        "tags",
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
        fallback: str | None = None,
        max_failure_ratio: float | None = None,
        buckets: int | None = None,
        input_format: str | None = None,
        tags: dict[str, str] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.model_spec = model_spec
        self.model_params = model_params
        self.segment_col = segment_col
        self.register_name = register_name
        self.min_rows = min_rows
        self.fallback = fallback
        self.max_failure_ratio = max_failure_ratio
        self.buckets = buckets
        self.input_format = input_format
        self.tags = tags

    def _job_args(self) -> list[str]:
        args = ["--input", check_path(self.input, "input")]
        args += check_model_spec(self.model_spec, self.model_params)
        args += ["--segment-col", check_name(self.segment_col, "segment_col")]
        args += ["--register-name", check_name(self.register_name, "register_name")]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.min_rows is not None:
            args += ["--min-rows", str(positive_int(self.min_rows, "min_rows"))]
        if self.fallback is not None:
            if self.fallback not in FALLBACKS:
                raise ConfigError(f"fallback must be one of {FALLBACKS}, got {self.fallback!r}.")
            args += ["--fallback", self.fallback]
        if self.max_failure_ratio is not None:
            ratio = self.max_failure_ratio
            if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
                raise ConfigError(f"max_failure_ratio must be within [0, 1], got {ratio!r}.")
            args += ["--max-failure-ratio", str(ratio)]
        if self.buckets is not None:
            args += ["--buckets", str(positive_int(self.buckets, "buckets"))]
        if self.tags:
            args += ["--tags", as_json_arg(self.tags, "tags")]
        return args
