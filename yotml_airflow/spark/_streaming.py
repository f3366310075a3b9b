"""Predictions into Kafka: Kafka to Kafka on Structured Streaming, and batch to Kafka in one bounded job.

``stream_predictions`` is one Structured Streaming query, with no ``foreachBatch``: Spark's own
Kafka source, a JSON decode into the model's input columns, the batch path of ``batch_transform``
(``mapInPandas``, the model broadcast once for the life of the query and cached per Python
worker) and Spark's Kafka sink, in a single Spark job per micro-batch. Each record comes out once:
as a JSON prediction on the output topic, keyed by the input record's key and carrying the
model's name and version, the source topic, partition, offset and timestamp, and
``predicted_at`` (its micro-batch's time); or, when it cannot be decoded (see ``_kafka_codec``)
or the model raises on it (see ``_isolate``), as a dead letter with the reason, on the same sink
with a per-row topic. Bad records never stop the query.

Delivery: **at least once, duplicates bounded by one micro-batch.** Spark writes a micro-batch's
offset range to ``<checkpoint>/offsets`` before running it and marks it done in
``<checkpoint>/commits`` after the Kafka writes returned. A crash in between re-runs exactly that
offset range on restart, so nothing is lost and the only duplicates are records of the
interrupted micro-batch; Spark's Kafka sink has no transactions, so they cannot be avoided.
Consumers dedupe on ``(source_topic, source_partition, source_offset)`` or on the key. Predictions
and dead letters are written by the same sink (rows routed by their topic column), so each record
lands in exactly one of the two topics.

The model is resolved once when the query starts: for ``models:/name@alias`` the alias is
resolved to a version and that version is loaded, so every record of a run names the version
that scored it. Restart the service to pick up a newly promoted version.

Example (needs a broker and a session started with the connector jars)::

    query = stream_predictions("models:/churn@champion", "127.0.0.1:9092", "customers", "churn-scores",
                               "/data/checkpoints/churn", trigger="processingTime=1 second", wait=False)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError, JobError
from yotml_airflow.spark._kafka_codec import (
    REASON,
    check_names,
    decode,
    encode_predictions,
    encode_routed,
    identity_columns,
)
from yotml_airflow.spark._kafka_runtime import kafka_spark_conf, session_has_kafka
from yotml_airflow.spark._routed import score_or_reject

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.streaming import StreamingQuery

    from yotml_airflow.models import Model

_KEEP_SOURCE = ["_src_key", "_src_value", "_src_topic", "_src_partition", "_src_offset", "_src_timestamp"]
_COUNTS = "yotml_counts"
_TRACKED: dict[str, tuple[StreamingQuery, dict[str, int], list[int]]] = {}  # id -> (query, stats, [last batch])
_INTERVAL = re.compile(r"^\d+(\.\d+)?\s*(milliseconds?|ms|seconds?|s|minutes?|m)$")


def parse_trigger(trigger: str) -> dict[str, Any]:
    """``"availableNow"`` or ``"processingTime=<interval>"`` as ``DataStreamWriter.trigger`` keywords.

    >>> parse_trigger("processingTime=1 second")
    {'processingTime': '1 second'}
    >>> parse_trigger("availableNow")
    {'availableNow': True}
    """
    if trigger == "availableNow":
        return {"availableNow": True}
    if isinstance(trigger, str) and trigger.startswith("processingTime="):
        interval = trigger.split("=", 1)[1].strip()
        if _INTERVAL.match(interval):
            return {"processingTime": interval}
    raise ConfigError(f"trigger must be 'availableNow' or 'processingTime=<n> seconds', got {trigger!r}")


def stream_predictions(
    model: Model | str | os.PathLike[str],
    bootstrap_servers: str,
    input_topic: str,
    output_topic: str,
    checkpoint: str | os.PathLike[str],
    *,
    trigger: str = "availableNow",
    dead_letter_topic: str | None = None,
    value_format: str = "json",
    keep_fields: Sequence[str] = (),
    require_all_fields: bool = True,
    model_name: str | None = None,
    model_version: int | str | None = None,
    starting_offsets: str = "earliest",
    max_offsets_per_trigger: int | None = None,
    kafka_options: Mapping[str, str] | None = None,
    batch_size: int | None = None,
    isolate_max_rows: int = 100_000,
    query_name: str | None = None,
    spark: SparkSession | None = None,
    wait: bool = True,
    stats: dict[str, int] | None = None,
) -> StreamingQuery:
    """Score ``input_topic`` into ``output_topic`` with ``model``; returns the streaming query.

    Args:
        model: a fitted ``Model``, a saved model folder, or an MLflow URI (``models:/churn@champion``).
        bootstrap_servers: the Kafka brokers, ``host:port[,host:port]``.
        input_topic / output_topic: where records come from and predictions go.
        checkpoint: the query's checkpoint folder (one per query; keep it to resume where it stopped).
        trigger: ``"availableNow"`` (bounded: everything available now, then stop) or
            ``"processingTime=1 second"`` (a continuous service).
        dead_letter_topic: where undecodable records go; default ``<input_topic>.dead-letter``.
        value_format: ``"json"`` (one JSON object per record).
        keep_fields: extra JSON fields copied (as text) into each prediction, e.g. ``["customer_id"]``.
        require_all_fields: an absent field of the model's input sends the record to the dead-letter topic.
        model_name / model_version: the identity written into each record; by default taken
            from the registry for ``models:/`` URIs, else the model's class name and no version.
        starting_offsets: ``"earliest"`` or ``"latest"`` (used only by a fresh checkpoint).
        max_offsets_per_trigger: cap on records per micro-batch.
        kafka_options: Kafka client settings for the consumer and producer (``security.protocol``, ...).
        batch_size: rows per call of the model inside a micro-batch (see ``batch_transform``).
        isolate_max_rows: when the model raises on a batch of at most this many records, the Python
            worker re-scores it in chunks and row by row and dead-letters only the records it
            rejects (``0``: let the query fail).
        spark: the session (must have been started with the connector jars); default: one with them.
        wait: block until the query ends (``availableNow``) or fails; ``False`` returns at once.
        stats: a dict counting ``batches``, ``records`` (read from Kafka), ``predictions`` and
            ``dead_letters`` written, from Spark's observed metrics of each micro-batch (no extra
            job); brought up to date by ``await_query`` and ``query_summary``.

    Raises ``ConfigError`` (bad arguments, no connector) or ``SchemaError`` before the query starts,
    and ``JobError`` when the query fails while ``wait`` is true.
    """
    from pyspark.sql import functions as F

    trigger_kwargs = parse_trigger(trigger)
    _check_text(bootstrap_servers=bootstrap_servers, input_topic=input_topic, output_topic=output_topic)
    dead_letter_topic = dead_letter_topic or f"{input_topic}.dead-letter"
    if len({input_topic, output_topic, dead_letter_topic}) < 3:
        raise ConfigError(
            f"input_topic, output_topic and dead_letter_topic must differ, got {input_topic!r}, "
            f"{output_topic!r}, {dead_letter_topic!r}"
        )
    if value_format != "json":
        raise ConfigError(f"value_format {value_format!r} is not supported; use 'json'")
    if not str(checkpoint).strip():
        raise ConfigError("checkpoint must be a folder path")
    if max_offsets_per_trigger is not None and (
        not isinstance(max_offsets_per_trigger, int) or max_offsets_per_trigger < 1
    ):
        raise ConfigError(f"max_offsets_per_trigger must be a positive integer, got {max_offsets_per_trigger!r}")
    if starting_offsets not in ("earliest", "latest"):
        raise ConfigError(f"starting_offsets must be 'earliest' or 'latest', got {starting_offsets!r}")
    keep = list(keep_fields)
    fitted, name, version = load_with_identity(model, model_name, model_version)
    outputs = list(fitted.output_columns())
    check_names(list(fitted.input_schema), keep, outputs)
    fields = {f: "any" for f in keep} | fitted.input_schema
    required = list(fitted.input_schema) if require_all_fields else []
    session = kafka_session(spark)
    identity = identity_columns(name, version)
    client = {f"kafka.{k}": str(v) for k, v in (kafka_options or {}).items()}

    reader = (
        session.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap_servers)
        .option("subscribe", input_topic)
        .option("startingOffsets", starting_offsets)
        .option("failOnDataLoss", "true")
        .options(**client)
    )
    if max_offsets_per_trigger is not None:
        reader = reader.option("maxOffsetsPerTrigger", str(max_offsets_per_trigger))
    decoded = decode(reader.load(), fields, required)
    routed = score_or_reject(
        fitted, decoded, _KEEP_SOURCE + keep, REASON, isolate_max_rows=isolate_max_rows, batch_size=batch_size
    )
    records = encode_routed(routed, keep + outputs, identity, output_topic, dead_letter_topic)
    if stats is not None:
        predicted = F.count(F.when(F.col("topic") == output_topic, 1)).alias("predictions")
        records = records.observe(_COUNTS, F.count(F.lit(1)).alias("records"), predicted)
    stream = (
        records.writeStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap_servers)
        .options(**client)
        .option("checkpointLocation", str(checkpoint))
        .queryName(query_name or f"yotml-{input_topic}-to-{output_topic}")
        .trigger(**trigger_kwargs)
    )
    query = stream.start()
    if stats is not None:
        for earlier, *_ in list(_TRACKED.values()):
            _collect_stats(earlier)  # forgets the queries that ended, after a last count
        _TRACKED[str(query.id)] = (query, stats, [-1])
    if wait:
        await_query(query)
    return query


def publish_predictions(
    model: Model | str | os.PathLike[str],
    source: DataFrame | str | os.PathLike[str],
    bootstrap_servers: str,
    topic: str,
    *,
    key_column: str | None = None,
    keep_columns: Sequence[str] = (),
    source_format: str = "parquet",
    model_name: str | None = None,
    model_version: int | str | None = None,
    kafka_options: Mapping[str, str] | None = None,
    batch_size: int | None = None,
    spark: SparkSession | None = None,
) -> dict[str, Any]:
    """Score a Spark DataFrame, a table or a path and publish one JSON prediction per row to ``topic``.

    One bounded Spark job. Each record is keyed by ``key_column`` (as text) and holds
    ``keep_columns``, the key column, the predictions, ``model_name``, ``model_version`` and
    ``predicted_at``. ``source_format`` says how to read a path (``parquet``, ``csv``, ``json``,
    ...) or ``"table"`` for a table name. Kafka has no atomic bulk write: a failed run may have
    published part of the rows and a re-run publishes them all again (at least once; consumers
    dedupe on key and model version). Returns ``{"topic", "rows", "model_name", "model_version"}``.

    Example (needs a broker)::

        publish_predictions("models:/churn@champion", "/data/customers.parquet", "127.0.0.1:9092",
                            "churn-scores", key_column="customer_id")
    """
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    from yotml_airflow.spark._batch import batch_transform

    _check_text(bootstrap_servers=bootstrap_servers, topic=topic)
    fitted, name, version = load_with_identity(model, model_name, model_version)
    session = kafka_session(spark)
    if isinstance(source, DataFrame):
        sdf = source
    elif source_format == "table":
        sdf = session.table(str(source))
    else:
        if not os.path.exists(source) and "://" not in str(source):
            raise ConfigError(f"publish_predictions: input path {str(source)!r} does not exist")
        sdf = session.read.format(source_format).load(str(source))
    keep = list(keep_columns)
    if key_column is not None and key_column not in keep:
        keep.insert(0, key_column)
    missing = [c for c in keep if c not in sdf.columns]
    if missing:
        raise ConfigError(f"publish_predictions: column(s) {missing} are not in the input {sdf.columns}")
    outputs = list(fitted.output_columns())
    check_names([], keep, outputs)
    scored = batch_transform(fitted, sdf, method="predict", keep_columns=keep, batch_size=batch_size)
    if key_column is not None:
        scored = scored.withColumn("_src_key", F.col(key_column).cast("string").cast("binary"))
    records = encode_predictions(scored, keep + outputs, identity_columns(name, version), topic, with_source=False)
    rows = sdf.count()
    client = {f"kafka.{k}": str(v) for k, v in (kafka_options or {}).items()}
    records.write.format("kafka").option("kafka.bootstrap.servers", bootstrap_servers).options(**client).save()
    return {"topic": topic, "rows": rows, "model_name": name, "model_version": version}


def load_with_identity(
    model: Model | str | os.PathLike[str], name: str | None, version: int | str | None
) -> tuple[Model, str | None, int | str | None]:
    """The fitted model and the name/version to stamp on its records.

    A ``models:/name@alias`` URI is resolved to one registry version first and that version is
    loaded, so the stamp always names the model that scored.
    """
    from yotml_airflow.spark._ship import is_model_uri, resolve_model

    ref: Any = model
    if is_model_uri(model):
        from yotml_airflow.tracking import describe_model

        described = describe_model(str(model))
        name = name if name is not None else described.name
        version = version if version is not None else described.version
        ref = described.uri
    fitted = resolve_model(ref)
    return fitted, (name if name is not None else type(fitted).__name__), version


def kafka_session(spark: SparkSession | None = None) -> SparkSession:
    """``spark``, or the active/new session with the connector jars; ``ConfigError`` if it cannot read Kafka."""
    from yotml_airflow.spark._session import get_spark

    session = spark if spark is not None else get_spark(conf=kafka_spark_conf())
    if not session_has_kafka(session):
        raise ConfigError(
            "this SparkSession was started without Spark's Kafka connector: create it with "
            "conf=kafka_spark_conf() (spark.jars is read only at session start) or pass "
            '--jars "$(scripts/kafka.sh jars)" to spark-submit'
        )
    return session


def await_query(query: StreamingQuery, timeout: float | None = None) -> bool:
    """Wait for ``query`` to end; ``JobError`` with Spark's message when it failed. True when it ended.

    While waiting, the ``stats`` dict given to ``stream_predictions`` is kept up to date.
    """
    from pyspark.errors import StreamingQueryException

    waited = 0.0
    try:
        while True:
            step = 0.5 if timeout is None else max(0.0, min(0.5, timeout - waited))
            ended = bool(query.awaitTermination(step))
            _collect_stats(query)
            waited += step
            if ended or (timeout is not None and waited >= timeout):
                return ended
    except StreamingQueryException as exc:
        raise JobError(f"streaming query {query.name!r} failed: {exc}") from exc


def _collect_stats(query: StreamingQuery) -> None:
    """Add the observed counts of micro-batches not seen yet to the query's ``stats`` dict."""
    tracked = _TRACKED.get(str(query.id))
    if tracked is None:
        return
    _, stats, last = tracked
    active = query.isActive
    for progress in query.recentProgress:
        counts = (progress.observedMetrics or {}).get(_COUNTS)
        if counts is None or progress.batchId <= last[0]:
            continue
        last[0] = progress.batchId
        records, predictions = int(counts["records"]), int(counts["predictions"])
        for name, value in (
            ("batches", 1),
            ("records", records),
            ("predictions", predictions),
            ("dead_letters", records - predictions),
        ):
            stats[name] = stats.get(name, 0) + value
    if not active:
        del _TRACKED[str(query.id)]


def query_summary(query: StreamingQuery) -> dict[str, Any]:
    """Batches and input rows of the query's recent progress (Spark keeps the last 100 batches)."""
    _collect_stats(query)
    progress = query.recentProgress
    return {
        "query": query.name,
        "id": str(query.id),
        "batches": len(progress),
        "input_rows": int(sum(p.get("numInputRows", 0) for p in progress)),
        "last_batch_id": progress[-1]["batchId"] if progress else None,
    }


def _check_text(**values: object) -> None:
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{key} must be a non-empty string, got {value!r}")
