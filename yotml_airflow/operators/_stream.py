"""``StreamingPredictOperator``: a bounded streaming scoring run (``availableNow``) through the ``stream`` job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator
from yotml_airflow.operators._fit import check_path
from yotml_airflow.operators._transform import check_model_uri

TRIGGERS = ("available-now", "once")


class StreamingPredictOperator(YotmlSparkJobOperator):
    """Score a Kafka topic (or a batch table) into a Kafka topic with a registered model, then stop.

    The run is bounded (``trigger="available-now"``): it processes what is there and exits, so it
    can be scheduled; the checkpoint makes the next run continue where this one stopped. The Spark
    Kafka connector usually comes through ``packages`` (``org.apache.spark:spark-sql-kafka-0-10_2.13:<spark>``).
    XCom: the stream job's result (rows read and written, offsets).

    Example::

        StreamingPredictOperator(
            task_id="stream_scores",
            source="kafka://events",
            sink="kafka://scores",
            bootstrap_servers="127.0.0.1:9092",
            model_uri="models:/churn@champion",
            checkpoint="/data/checkpoints/scores",
        )
    """

    job = "stream"
    template_fields: Sequence[str] = (
        "source",
        "sink",
        "model_uri",
        "checkpoint",
        "bootstrap_servers",
        "trigger",
        *SPARK_TEMPLATE_FIELDS,
    )

    def __init__(
        self,
        *,
        source: str,
        sink: str,
        model_uri: str,
        checkpoint: str,
        bootstrap_servers: str | None = None,
        trigger: str = "available-now",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.sink = sink
        self.model_uri = model_uri
        self.checkpoint = checkpoint
        self.bootstrap_servers = bootstrap_servers
        self.trigger = trigger

    def _job_args(self) -> list[str]:
        if self.trigger not in TRIGGERS:
            raise ConfigError(f"trigger must be one of {TRIGGERS} (a scheduled run must end), got {self.trigger!r}.")
        args = [
            "--source",
            check_path(self.source, "source"),
            "--sink",
            check_path(self.sink, "sink"),
            "--model-uri",
            check_model_uri(self.model_uri),
            "--checkpoint",
            check_path(self.checkpoint, "checkpoint"),
            "--trigger",
            self.trigger,
        ]
        if self.bootstrap_servers:
            args += ["--bootstrap-servers", str(self.bootstrap_servers)]
        return args
