"""Job ``fit``: train a model on Spark data, evaluate it on a holdout, log and register it in MLflow.

    python -m yotml_airflow.jobs fit --input train.parquet \\
        --model-spec yotml_airflow.models:SklearnModel \\
        --params '{"estimator": {"spec": "sklearn.ensemble:RandomForestClassifier"}, "target": "churned"}' \\
        --holdout test.parquet --register-name churn --result-path result.json

The model comes from ``--model-spec`` + ``--params`` or from ``--model-path`` (a saved, unfitted
model). It is fitted on the driver by ``yotml_airflow.spark.fit`` (``--sample``, ``--max-rows``),
and every fit is logged through ``yotml_airflow.tracking.log_model``. Result JSON: ``name``,
``version``, ``model_uri``, ``run_id``, ``metrics`` (and ``output_model`` with ``--output-model``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.jobs._io import FORMATS, check_input_exists, read_input
from yotml_airflow.jobs._metrics import evaluate, parse_metrics
from yotml_airflow.jobs._spec import model_from_spec, parse_json

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from yotml_airflow.models import Model

SAMPLE_ROWS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the fit job."""
    from yotml_airflow.spark import DEFAULT_MAX_ROWS

    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model-spec", help="'package.module:ClassName' of the model to build")
    source.add_argument("--model-path", help="a saved (unfitted) yotml model folder")
    parser.add_argument(
        "--params", default="{}", help="JSON constructor params for --model-spec (nested specs allowed)"
    )
    parser.add_argument("--input", required=True, help="training data: a path or a table name")
    parser.add_argument("--input-format", choices=FORMATS, default="parquet")
    parser.add_argument("--sample", type=float, help="fraction of the training rows to sample, in (0, 1]")
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="refuse more training rows than this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--holdout", help="evaluation data: a path or a table name")
    parser.add_argument("--holdout-format", choices=FORMATS, help="default: --input-format")
    parser.add_argument("--metrics", help="comma-separated metrics on the holdout (default by model kind)")
    parser.add_argument("--target", help="label column of the holdout (default: the model's 'target' param)")
    parser.add_argument("--register-name", required=True, help="MLflow registered model (and experiment) name")
    parser.add_argument("--no-register", action="store_true", help="log the run without a registry version")
    parser.add_argument("--tags", default="{}", help="JSON object of MLflow run tags")
    parser.add_argument("--output-model", help="also save the fitted model to this local folder")


def validate(args: argparse.Namespace) -> None:
    """Everything checkable without Spark: the model builds, inputs exist, options make sense."""
    if args.model_path is not None and args.params != "{}":
        raise ConfigError("--params applies to --model-spec, not --model-path")
    if args.model_spec is not None:
        args.model = model_from_spec(args.model_spec, args.params)
    else:
        from yotml_airflow.models import load_model

        check_input_exists(args.model_path, "parquet", what="model path")
        args.model = load_model(args.model_path)
    if args.sample is not None and not 0 < args.sample <= 1:
        raise ConfigError(f"--sample must be a fraction in (0, 1], got {args.sample}")
    if args.max_rows < 1:
        raise ConfigError(f"--max-rows must be positive, got {args.max_rows}")
    args.metric_names = parse_metrics(args.metrics)
    if args.metrics and not args.holdout:
        raise ConfigError("--metrics needs --holdout data to evaluate on")
    args.tag_values = parse_json(args.tags, "--tags")
    if not isinstance(args.tag_values, dict):
        raise ConfigError("--tags must be a JSON object")
    check_input_exists(args.input, args.input_format)
    if args.holdout:
        check_input_exists(args.holdout, args.holdout_format or args.input_format, what="holdout")
        args.target = args.target or getattr(args.model, "target", None)
        if not isinstance(args.target, str):
            raise ConfigError("--holdout needs --target (the model has no 'target' parameter)")


def _check_training_columns(model: Model, sdf: DataFrame) -> None:
    """The columns the model reads (and its target) exist, checked from the schema before collecting."""
    empty = sdf.limit(0).toPandas()
    needed = list(model.input_columns(empty))
    target = getattr(model, "target", None)
    if isinstance(target, str):
        needed.append(target)
    missing = [c for c in dict.fromkeys(needed) if c not in sdf.columns]
    if missing:
        raise SchemaError(f"{type(model).__name__}.fit: training data misses column(s) {missing}; it has {sdf.columns}")


def run(args: argparse.Namespace, spark: SparkSession) -> dict[str, Any]:
    """Fit, evaluate, log (and register) the model; returns the result JSON."""
    from yotml_airflow.spark import fit
    from yotml_airflow.spark._types import normalize_batch
    from yotml_airflow.tracking import log_model

    sdf = read_input(spark, args.input, args.input_format)
    holdout = (
        read_input(spark, args.holdout, args.holdout_format or args.input_format, "holdout") if args.holdout else None
    )
    model = args.model
    _check_training_columns(model, sdf)
    fitted = fit(model, sdf, sample=args.sample, max_rows=args.max_rows, seed=args.seed)
    metrics = evaluate(fitted, holdout, args.target, args.metric_names, args.max_rows) if holdout is not None else {}
    data = normalize_batch(sdf.limit(SAMPLE_ROWS).toPandas())
    logged = log_model(
        fitted, args.register_name, metrics=metrics, data=data, register=not args.no_register, tags=args.tag_values
    )
    result: dict[str, Any] = {
        "name": logged.name,
        "version": logged.version,
        "model_uri": logged.model_uri,
        "run_id": logged.run_id,
        "metrics": metrics,
    }
    if args.output_model:
        from yotml_airflow.models import save_model

        result["output_model"] = str(save_model(fitted, args.output_model))
    return result
