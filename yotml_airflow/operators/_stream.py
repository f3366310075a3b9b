"""Kafka operators: a bounded streaming run (``stream`` job) and a batch-to-Kafka publish (``publish`` job)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator
from yotml_airflow.operators._fit import check_path
from yotml_airflow.operators._transform import check_model_uri


def _kafka_args(kafka_options: Any, keep: Any, keep_flag: str) -> list[str]:
    args: list[str] = []
    if kafka_options:
        if not isinstance(kafka_options, Mapping):
            raise ConfigError(f"kafka_options must be a dict of Kafka client settings, got {kafka_options!r}.")
        for key, value in kafka_options.items():
            args += ["--kafka-option", f"{key}={value}"]
    if keep:
        if isinstance(keep, str) or not all(isinstance(c, str) for c in keep):
            raise ConfigError(f"{keep_flag.strip('-').replace('-', '_')}s must be a list of names, got {keep!r}.")
        for name in keep:
            args += [keep_flag, name]
    return args


class StreamingPredictOperator(YotmlSparkJobOperator):
    """Score what a Kafka topic holds now into another topic with a registered model, then stop.

    The run is bounded (``trigger="availableNow"``), so it can be scheduled; the checkpoint makes
    the next run continue where this one stopped. Records that cannot be scored go to the dead
    letter topic with a reason. Spark's Kafka connector comes through ``jars`` or ``packages``.
    XCom: the stream job's summary (rows read, written, dead-lettered; offsets).

    Example::

        StreamingPredictOperator(
            task_id="stream_scores",
            model_uri="models:/churn@champion",
            bootstrap_servers="127.0.0.1:9092",
            input_topic="customers",
            output_topic="churn-scores",
            checkpoint="/data/checkpoints/churn-scores",
            packages="org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.0",
        )
    """

    job = "stream"
    template_fields: Sequence[str] = (
        "model_uri",
        "bootstrap_servers",
        "input_topic",
        "output_topic",
        "checkpoint",
        "trigger",
        "dead_letter_topic",
        "kafka_options",
        *SPARK_TEMPLATE_FIELDS,
    )

    def __init__(
        self,
        *,
        model_uri: str,
        bootstrap_servers: str,
        input_topic: str,
        output_topic: str,
        checkpoint: str,
        trigger: str = "availableNow",
        dead_letter_topic: str | None = None,
        keep_fields: list[str] | None = None,
        starting_offsets: str | None = None,
        max_offsets_per_trigger: int | None = None,
        kafka_options: dict[str, str] | None = None,
        batch_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model_uri = model_uri
        self.bootstrap_servers = bootstrap_servers
        self.input_topic = input_topic
        self.output_topic = output_topic
        self.checkpoint = checkpoint
        self.trigger = trigger
        self.dead_letter_topic = dead_letter_topic
        self.keep_fields = keep_fields
        self.starting_offsets = starting_offsets
        self.max_offsets_per_trigger = max_offsets_per_trigger
        self.kafka_options = kafka_options
        self.batch_size = batch_size

    def _job_args(self) -> list[str]:
        if self.trigger != "availableNow":
            raise ConfigError(
                f"trigger must be 'availableNow' for a scheduled task (a task must end), got {self.trigger!r}; "
                "run a continuous service with the stream job outside Airflow."
            )
        args = [
            "--model",
            check_model_uri(self.model_uri),
            "--bootstrap-servers",
            check_path(self.bootstrap_servers, "bootstrap_servers"),
            "--input-topic",
            check_path(self.input_topic, "input_topic"),
            "--output-topic",
            check_path(self.output_topic, "output_topic"),
            "--checkpoint",
            check_path(self.checkpoint, "checkpoint"),
            "--trigger",
            self.trigger,
        ]
        if self.dead_letter_topic:
            args += ["--dead-letter-topic", check_path(self.dead_letter_topic, "dead_letter_topic")]
        if self.starting_offsets:
            if self.starting_offsets not in ("earliest", "latest"):
                raise ConfigError(f"starting_offsets must be 'earliest' or 'latest', got {self.starting_offsets!r}.")
            args += ["--starting-offsets", self.starting_offsets]
        if self.max_offsets_per_trigger is not None:
            args += ["--max-offsets-per-trigger", str(int(self.max_offsets_per_trigger))]
        if self.batch_size is not None:
            args += ["--batch-size", str(int(self.batch_size))]
        return args + _kafka_args(self.kafka_options, self.keep_fields, "--keep-field")


class PublishPredictionsOperator(YotmlSparkJobOperator):
    """Score a table with a registered model and publish one Kafka record per row (batch to Kafka).

    XCom: the publish job's result (topic, rows published, model identity).

    Example::

        PublishPredictionsOperator(
            task_id="publish",
            model_uri="models:/churn@champion",
            input="/data/customers/ds={{ ds }}",
            bootstrap_servers="127.0.0.1:9092",
            topic="churn-scores",
            key_column="customer_id",
        )
    """

    job = "publish"
    template_fields: Sequence[str] = (
        "model_uri",
        "input",
        "input_format",
        "bootstrap_servers",
        "topic",
        "key_column",
        "kafka_options",
        *SPARK_TEMPLATE_FIELDS,
    )

    def __init__(
        self,
        *,
        model_uri: str,
        input: str,
        bootstrap_servers: str,
        topic: str,
        key_column: str | None = None,
        keep_columns: list[str] | None = None,
        input_format: str | None = None,
        kafka_options: dict[str, str] | None = None,
        batch_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model_uri = model_uri
        self.input = input
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.key_column = key_column
        self.keep_columns = keep_columns
        self.input_format = input_format
        self.kafka_options = kafka_options
        self.batch_size = batch_size

    def _job_args(self) -> list[str]:
        args = [
            "--model",
            check_model_uri(self.model_uri),
            "--input",
            check_path(self.input, "input"),
            "--bootstrap-servers",
            check_path(self.bootstrap_servers, "bootstrap_servers"),
            "--topic",
            check_path(self.topic, "topic"),
        ]
        if self.input_format:
            args += ["--input-format", str(self.input_format)]
        if self.key_column:
            args += ["--key-column", str(self.key_column)]
        if self.batch_size is not None:
            args += ["--batch-size", str(int(self.batch_size))]
        return args + _kafka_args(self.kafka_options, self.keep_columns, "--keep-column")
