"""Job ``segmented_fit``: one model per segment in one Spark job, logged as one MLflow version.

    python -m yotml_airflow.jobs segmented_fit --input customers.parquet --segment-col store_id \\
        --model-spec yotml_airflow.models:SklearnModel \\
        --params '{"estimator": {"spec": "sklearn.linear_model:LogisticRegression"}, "target": "churned"}' \\
        --min-rows 30 --register-name churn_per_store --result-path result.json

The base model comes from ``--model-spec`` + ``--params`` or ``--model-path`` (a saved unfitted
model); it is wrapped in ``SegmentedModel`` and fitted by ``yotml_airflow.spark.fit_segmented``
(segments fit on the executors, never a driver loop). Result JSON: ``name``, ``version``,
``model_uri``, ``run_id``, ``segments_total``, ``segments_fitted``, ``segments_failed``,
``segments_too_small`` and ``failed`` (up to 20 failed segments with their errors).

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> args = parser.parse_args(["--model-spec", "a:B", "--input", "x", "--segment-col", "s", "--register-name", "m"])
>>> args.fallback, args.min_rows, args.max_failure_ratio
('global', 1, 0.0)
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.jobs._io import FORMATS, check_input_exists, read_input
from yotml_airflow.jobs._spec import model_from_spec, parse_json

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SAMPLE_ROWS = 200
MAX_FAILED_LISTED = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the segmented fit job."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model-spec", help="'package.module:ClassName' of the per-segment model")
    source.add_argument("--model-path", help="a saved (unfitted) yotml model folder")
    parser.add_argument("--params", default="{}", help="JSON constructor params for --model-spec")
    parser.add_argument("--input", required=True, help="training data: a path or a table name")
    parser.add_argument("--input-format", choices=FORMATS, default="parquet")
    parser.add_argument("--segment-col", required=True, help="the column whose values name the segments")
    parser.add_argument("--min-rows", type=int, default=1, help="segments with fewer rows use the fallback")
    parser.add_argument("--fallback", choices=("global", "error"), default="global")
    parser.add_argument("--max-failure-ratio", type=float, default=0.0, help="share of segment fits allowed to fail")
    parser.add_argument("--buckets", type=int, default=256, help="hash buckets of segments per Spark group")
    parser.add_argument("--global-max-rows", type=int, default=1_000_000, help="sample cap of the global fallback")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--register-name", required=True, help="MLflow registered model (and experiment) name")
    parser.add_argument("--no-register", action="store_true", help="log the run without a registry version")
    parser.add_argument("--tags", default="{}", help="JSON object of MLflow run tags")


def validate(args: argparse.Namespace) -> None:
    """Build the segmented model and check the options and the input before Spark starts."""
    from yotml_airflow.models import SegmentedModel

    if args.model_path is not None and args.params != "{}":
        raise ConfigError("--params applies to --model-spec, not --model-path")
    if args.model_spec is not None:
        base = model_from_spec(args.model_spec, args.params)
    else:
        from yotml_airflow.models import load_model

        check_input_exists(args.model_path, "parquet", what="model path")
        base = load_model(args.model_path)
    args.model = SegmentedModel(
        base,
        args.segment_col,
        min_rows=args.min_rows,
        fallback=args.fallback,
        max_failure_ratio=args.max_failure_ratio,
    )
    args.model.validate_params()
    if args.buckets < 1:
        raise ConfigError(f"--buckets must be positive, got {args.buckets}")
    args.tag_values = parse_json(args.tags, "--tags")
    if not isinstance(args.tag_values, dict):
        raise ConfigError("--tags must be a JSON object")
    check_input_exists(args.input, args.input_format)


def run(args: argparse.Namespace, spark: SparkSession) -> dict[str, Any]:
    """Fit per segment on Spark, log one MLflow version; returns the result JSON."""
    from yotml_airflow.models._segment_fit import FAILED, FITTED, TOO_SMALL
    from yotml_airflow.spark import fit_segmented
    from yotml_airflow.spark._types import normalize_batch
    from yotml_airflow.tracking import log_model

    sdf = read_input(spark, args.input, args.input_format)
    if args.segment_col not in sdf.columns:
        raise SchemaError(f"segment column {args.segment_col!r} is missing; the input has {sdf.columns}")
    fitted = fit_segmented(args.model, sdf, buckets=args.buckets, global_max_rows=args.global_max_rows, seed=args.seed)
    table = fitted.segment_table_
    counts = {status: int((table["status"] == status).sum()) for status in (FITTED, FAILED, TOO_SMALL)}
    failures = fitted.failures_.head(MAX_FAILED_LISTED)
    failed = [{"segment": str(s), "error": str(e)} for s, e in zip(failures["segment"], failures["error"])]
    metrics = {
        "segments_total": float(len(table)),
        "segments_fitted": float(counts[FITTED]),
        "segments_failed": float(counts[FAILED]),
        "segments_too_small": float(counts[TOO_SMALL]),
    }
    logged = log_model(
        fitted,
        args.register_name,
        metrics=metrics,
        data=normalize_batch(sdf.limit(SAMPLE_ROWS).toPandas()),
        register=not args.no_register,
        tags=args.tag_values,
    )
    return {
        "name": logged.name,
        "version": logged.version,
        "model_uri": logged.model_uri,
        "run_id": logged.run_id,
        "segment_col": args.segment_col,
        "segments_total": len(table),
        "segments_fitted": counts[FITTED],
        "segments_failed": counts[FAILED],
        "segments_too_small": counts[TOO_SMALL],
        "failed": failed,
    }
