"""The ``stream`` job: Kafka to Kafka predictions, as a continuous service or a bounded run.

The continuous service runs outside any Airflow task, under spark-submit, for as long as it is
up. SIGTERM stops the query cleanly after the current micro-batch; after a crash or SIGKILL it
resumes from the checkpoint, re-publishing at most the one interrupted micro-batch::

    spark-submit --master local[2] --jars "$(scripts/kafka.sh jars)" \\
        "$(python -c 'import yotml_airflow.jobs.entrypoint as e; print(e.__file__)')" stream \\
        --model models:/churn@champion --bootstrap-servers 127.0.0.1:9092 \\
        --input-topic customers --output-topic churn-scores \\
        --checkpoint /data/checkpoints/churn-scores --trigger "processingTime=1 second"

Without spark-submit, ``python -m yotml_airflow.jobs stream ...`` (same options, plus ``--master``)
starts its own session with the connector jars. An Airflow task runs the bounded form,
``--trigger availableNow``: score what the topic holds now, exit, and leave the result JSON
(``--result-path``) for XCom. ``--model models:/name@alias`` is resolved to one version at start;
restart the service to serve a newly promoted version.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> args = parser.parse_args(["--model", "m", "--bootstrap-servers", "b:9092", "--input-topic", "in",
    ...                           "--output-topic", "out", "--checkpoint", "/tmp/c"])
    >>> args.trigger
    'processingTime=1 second'
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``stream`` job's command-line arguments."""
    parser.add_argument("--model", required=True, help="saved model folder or MLflow URI (models:/name@alias)")
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--input-topic", required=True)
    parser.add_argument("--output-topic", required=True)
    parser.add_argument("--checkpoint", required=True, help="checkpoint folder; keep it to resume")
    parser.add_argument(
        "--trigger", default="processingTime=1 second", help="'availableNow' or 'processingTime=<n> seconds'"
    )
    parser.add_argument("--dead-letter-topic", default=None, help="default: <input-topic>.dead-letter")
    parser.add_argument(
        "--keep-field", action="append", default=[], dest="keep_fields", help="JSON field copied to the output"
    )
    parser.add_argument(
        "--allow-missing-fields", action="store_true", help="score records that lack model fields (as NaN)"
    )
    parser.add_argument("--model-name", default=None)
    parser.add_argument("--model-version", default=None)
    parser.add_argument("--starting-offsets", default="earliest", choices=["earliest", "latest"])
    parser.add_argument("--max-offsets-per-trigger", type=int, default=None)
    parser.add_argument(
        "--kafka-option", action="append", default=[], dest="kafka_options", help="KEY=VALUE client setting"
    )
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--timeout", type=float, default=None, help="stop a processing-time service after this many seconds"
    )


def spark_conf(args: argparse.Namespace) -> dict[str, str]:
    """Spark settings the job's session needs: the Kafka connector jars (``spark.jars``).

    Read by the jobs command line before it starts the session; under spark-submit pass
    ``--jars "$(scripts/kafka.sh jars)"`` instead (``spark.jars`` set later does not reach the driver).
    """
    from yotml_airflow.spark import kafka_spark_conf

    return kafka_spark_conf()


def parse_options(pairs: list[str]) -> dict[str, str]:
    """``["a=1", "b=2"]`` as ``{"a": "1", "b": "2"}``; ``ConfigError`` for an item without ``=``.

    >>> parse_options(["security.protocol=SSL"])
    {'security.protocol': 'SSL'}
    """
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--kafka-option expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def run(args: argparse.Namespace, spark: SparkSession) -> dict[str, Any]:
    """Run the query until it ends (``availableNow``), fails, times out, or gets SIGTERM."""
    from yotml_airflow.spark._streaming import await_query, query_summary, stream_predictions

    counts: dict[str, int] = {}
    version: int | str | None = args.model_version
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    query = stream_predictions(
        args.model,
        args.bootstrap_servers,
        args.input_topic,
        args.output_topic,
        args.checkpoint,
        trigger=args.trigger,
        dead_letter_topic=args.dead_letter_topic,
        keep_fields=args.keep_fields,
        require_all_fields=not args.allow_missing_fields,
        model_name=args.model_name,
        model_version=version,
        starting_offsets=args.starting_offsets,
        max_offsets_per_trigger=args.max_offsets_per_trigger,
        kafka_options=parse_options(args.kafka_options),
        batch_size=args.batch_size,
        wait=False,
        spark=spark,
        stats=counts,
    )
    stopped = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopped.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    waited = 0.0
    while not await_query(query, timeout=0.5):
        waited += 0.5
        if stopped.is_set() or (args.timeout is not None and waited >= args.timeout):
            query.stop()
            break
    return {
        **query_summary(query),
        **counts,
        "trigger": args.trigger,
        "checkpoint": args.checkpoint,
        "stopped": stopped.is_set(),
    }
