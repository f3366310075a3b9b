"""The ``publish`` job: score a table or a path and publish the predictions to a Kafka topic (batch to Kafka).

One bounded Spark job, for an Airflow task::

    python -m yotml_airflow.jobs publish --model models:/churn@champion --input /data/customers.parquet \\
        --bootstrap-servers 127.0.0.1:9092 --topic churn-scores --key-column customer_id

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> parser.parse_args(["--model", "m", "--input", "x", "--bootstrap-servers", "b", "--topic", "t"]).input_format
    'parquet'
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from yotml_airflow.jobs._stream import parse_options
from yotml_airflow.jobs._stream import spark_conf as spark_conf  # the same connector jars

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``publish`` job's command-line arguments."""
    parser.add_argument("--model", required=True, help="saved model folder or MLflow URI (models:/name@alias)")
    parser.add_argument("--input", required=True, help="a path, or a table name with --input-format table")
    parser.add_argument("--input-format", default="parquet", help="parquet, csv, json, orc or table")
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--key-column", default=None)
    parser.add_argument("--keep-column", action="append", default=[], dest="keep_columns")
    parser.add_argument("--model-name", default=None)
    parser.add_argument("--model-version", default=None)
    parser.add_argument(
        "--kafka-option", action="append", default=[], dest="kafka_options", help="KEY=VALUE client setting"
    )
    parser.add_argument("--batch-size", type=int, default=None)


def run(args: argparse.Namespace, spark: SparkSession) -> dict[str, Any]:
    """Score ``--input`` and publish one record per row; returns the topic, row count and model identity."""
    from yotml_airflow.spark._streaming import publish_predictions

    version: int | str | None = args.model_version
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    return publish_predictions(
        args.model,
        args.input,
        args.bootstrap_servers,
        args.topic,
        key_column=args.key_column,
        keep_columns=args.keep_columns,
        source_format=args.input_format,
        model_name=args.model_name,
        model_version=version,
        kafka_options=parse_options(args.kafka_options),
        batch_size=args.batch_size,
        spark=spark,
    )
