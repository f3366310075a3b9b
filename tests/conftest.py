"""Fixtures shared by the whole test session: one local Spark session, a temporary MLflow store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

KAFKA_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kafka.sh"

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """The one local[2] SparkSession of the test session, with Spark's Kafka connector on its classpath.

    ``spark.jars`` is read only at session start, so the connector jars are fetched first
    (``scripts/kafka.sh fetch``, cached in ``.yotml/kafka``) when Maven is available.
    """
    from yotml_airflow.spark import get_spark, kafka_jars

    conf = {"spark.sql.shuffle.partitions": "4"}
    if not kafka_jars() and shutil.which("mvn"):
        subprocess.run(["bash", str(KAFKA_SCRIPT), "fetch"], check=False)
    if kafka_jars():
        conf["spark.jars"] = ",".join(kafka_jars())
    session = get_spark("local[2]", app_name="yotml-tests", conf=conf)
    yield session
    session.stop()


@pytest.fixture()
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real MLflow SQLite tracking store and artifact folder in a temporary directory."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", uri)
    monkeypatch.setenv("YOTML_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    return uri


class KafkaBroker:
    """A real single-node Apache Kafka broker (KRaft) on loopback, started by ``scripts/kafka.sh``.

    Helpers use the confluent-kafka client: ``topic()`` creates a fresh topic, ``produce()`` writes
    ``(key, value)`` pairs, ``consume()`` reads a topic from the beginning until it has been idle.
    """

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def topic(self, prefix: str = "t", partitions: int = 1) -> str:
        from confluent_kafka.admin import AdminClient, NewTopic

        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=30)
        return name

    def produce(
        self, topic: str, records: list[tuple[str | None, str | bytes | None]], partition: int | None = None
    ) -> None:
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 5})
        for key, value in records:
            kwargs = {} if partition is None else {"partition": partition}
            producer.produce(topic, key=key, value=value, **kwargs)
            producer.poll(0)
        assert producer.flush(30) == 0, "records left unsent"

    def consume(self, topic: str, expected: int | None = None, idle: float = 3.0, timeout: float = 60.0) -> list:
        """All records of ``topic`` (confluent-kafka ``Message`` objects), read from the start."""
        from confluent_kafka import Consumer

        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": f"test-{uuid.uuid4().hex}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "isolation.level": "read_uncommitted",
            }
        )
        consumer.subscribe([topic])
        out: list = []
        deadline, last = time.monotonic() + timeout, time.monotonic()
        try:
            while time.monotonic() < deadline:
                if expected is not None and len(out) >= expected and time.monotonic() - last > 0.5:
                    break
                if time.monotonic() - last > idle and (expected is None or len(out) >= expected):
                    break
                msg = consumer.poll(0.2)
                if msg is None or msg.error():
                    continue
                out.append(msg)
                last = time.monotonic()
        finally:
            consumer.close()
        return out


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A real Kafka broker for the whole test session (``scripts/kafka.sh start``/``stop``)."""
    env = {**os.environ, "KAFKA_DATA_DIR": str(tmp_path_factory.mktemp("kafka"))}
    started = subprocess.run(["bash", str(KAFKA_SCRIPT), "start"], env=env, capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError(f"scripts/kafka.sh start failed:\n{started.stderr[-3000:]}")
    try:
        yield KafkaBroker(started.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["bash", str(KAFKA_SCRIPT), "stop"], env=env, check=False)
