"""Where Spark's Kafka connector jars are, and the Spark settings that put them on the classpath.

``scripts/kafka.sh fetch`` downloads the connector (``spark-sql-kafka-0-10`` for the pinned Spark,
with ``kafka-clients``, ``spark-token-provider-kafka-0-10`` and ``commons-pool2``) into
``<repo>/.yotml/kafka/connector``. Spark only reads ``spark.jars`` when the session starts, so
every session that touches Kafka must be created with :func:`kafka_spark_conf` (or, under
``spark-submit``, with ``--jars "$(scripts/kafka.sh jars)"``).

Example:
    >>> isinstance(kafka_jars(), list)
    True
"""

from __future__ import annotations

import os
from pathlib import Path

from yotml_airflow.errors import ConfigError

HOME_ENV = "YOTML_KAFKA_HOME"
_REQUIRED = ("spark-sql-kafka-0-10", "spark-token-provider-kafka-0-10", "kafka-clients", "commons-pool2")


def kafka_home() -> Path:
    """The folder holding ``connector/`` and ``broker/``: ``$YOTML_KAFKA_HOME`` or ``<repo>/.yotml/kafka``.

    Without the variable it is looked up from this package's folder upwards, then from the
    current directory upwards; the first ``.yotml/kafka`` found wins.
    """
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV])
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            candidate = folder / ".yotml" / "kafka"
            if (candidate / "connector").is_dir():
                return candidate
    return Path.cwd() / ".yotml" / "kafka"


def kafka_jars() -> list[str]:
    """The connector jars (absolute paths, sorted); ``[]`` when they have not been fetched."""
    folder = kafka_home() / "connector"
    if not (folder / ".complete").exists():
        return []
    return sorted(str(p) for p in folder.glob("*.jar"))


def require_kafka_jars() -> list[str]:
    """The connector jars, or ``ConfigError`` saying how to fetch them."""
    jars = kafka_jars()
    names = [Path(j).name for j in jars]
    missing = [r for r in _REQUIRED if not any(n.startswith(r) for n in names)]
    if missing:
        raise ConfigError(
            f"Spark's Kafka connector jars {missing} are not in {kafka_home() / 'connector'}: run "
            "`scripts/kafka.sh fetch` (needs mvn) or set YOTML_KAFKA_HOME to a folder that has them"
        )
    return jars


def kafka_spark_conf(conf: dict[str, str] | None = None) -> dict[str, str]:
    """``conf`` with the connector jars added to ``spark.jars`` (jars already listed come first).

    Example (needs the fetched jars)::

        spark = get_spark("local[2]", conf=kafka_spark_conf({"spark.sql.shuffle.partitions": "4"}))
    """
    out = dict(conf or {})
    jars = [j for j in out.get("spark.jars", "").split(",") if j]
    jars += [j for j in require_kafka_jars() if j not in jars]
    out["spark.jars"] = ",".join(jars)
    return out


def session_has_kafka(spark: object) -> bool:
    """True when the session's JVM can load Spark's Kafka source (the jars were there at start)."""
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    try:
        jvm.java.lang.Class.forName(
            "org.apache.spark.sql.kafka010.KafkaSourceProvider",
            True,
            jvm.java.lang.Thread.currentThread().getContextClassLoader(),
        )
    except Exception:
        return False
    return True
