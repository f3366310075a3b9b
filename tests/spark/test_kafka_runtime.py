"""Spark's Kafka connector jars: fetched by scripts/kafka.sh, none duplicating a jar pyspark ships."""

from __future__ import annotations

import re
from pathlib import Path

import pyspark
import pytest

from yotml_airflow.errors import ConfigError
from yotml_airflow.spark import kafka_jars, kafka_spark_conf
from yotml_airflow.spark._kafka_runtime import require_kafka_jars, session_has_kafka


def _artifact(jar: str) -> str:
    return re.sub(r"-\d+(\.\d+)+[\w.\-]*\.jar$", "", Path(jar).name)


def test_connector_jars_match_pyspark_and_do_not_duplicate_its_jars():
    jars = require_kafka_jars()
    names = {_artifact(j) for j in jars}
    assert names == {
        "spark-sql-kafka-0-10_2.13",
        "spark-token-provider-kafka-0-10_2.13",
        "kafka-clients",
        "commons-pool2",
    }
    assert any(Path(j).name == f"spark-sql-kafka-0-10_2.13-{pyspark.__version__}.jar" for j in jars)
    shipped = {_artifact(str(p)) for p in (Path(pyspark.__file__).parent / "jars").glob("*.jar")}
    assert not names & shipped


def test_session_of_the_test_run_can_load_the_kafka_source(spark):
    assert session_has_kafka(spark)


def test_missing_jars_are_a_config_error_that_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("YOTML_KAFKA_HOME", str(tmp_path))
    assert kafka_jars() == []
    with pytest.raises(ConfigError, match=r"scripts/kafka\.sh fetch"):
        kafka_spark_conf({})
