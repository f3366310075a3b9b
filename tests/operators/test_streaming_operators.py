"""The Kafka operators end to end: real spark-submit jobs against the session's real Kafka broker."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import SklearnModel
from yotml_airflow.operators import PublishPredictionsOperator, StreamingPredictOperator
from yotml_airflow.spark import kafka_jars

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark_local_conn")]


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SklearnModel]:
    train = pd.DataFrame({"spend": [1.0, 2.0, 8.0, 9.0, 1.5, 8.5], "churned": [0, 0, 1, 1, 0, 1]})
    model = SklearnModel(LogisticRegression(), features=["spend"], target="churned").fit(train)
    folder = tmp_path_factory.mktemp("model") / "churn"
    model.save(folder)
    return folder, model


def _jars() -> str:
    jars = kafka_jars()
    assert jars, "the Kafka connector jars are fetched by scripts/kafka.sh fetch (scripts/test.sh runs it)"
    return ",".join(jars)


def test_publish_operator_scores_a_table_into_a_topic(kafka_broker, model_folder, tmp_path: Path) -> None:
    folder, model = model_folder
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "spend": [1.0, 9.0, 5.0]})
    customers.to_parquet(tmp_path / "customers.parquet")
    topic = kafka_broker.topic("scores")
    result = PublishPredictionsOperator(
        task_id="publish",
        model_uri=str(folder),
        input=str(tmp_path / "customers.parquet"),
        bootstrap_servers=kafka_broker.bootstrap,
        topic=topic,
        key_column="customer_id",
        jars=_jars(),
    ).execute({})
    messages = kafka_broker.consume(topic, expected=3)
    by_key = {m.key().decode(): json.loads(m.value()) for m in messages}
    expected = model.predict(customers)["proba_1"].tolist()
    assert sorted(by_key) == ["a", "b", "c"]
    assert [by_key[k]["proba_1"] for k in ["a", "b", "c"]] == pytest.approx(expected)
    assert json.dumps(result)


def test_streaming_operator_runs_a_bounded_kafka_to_kafka_pass(kafka_broker, model_folder, tmp_path: Path) -> None:
    folder, model = model_folder
    source, target = kafka_broker.topic("in"), kafka_broker.topic("out")
    kafka_broker.produce(source, [("a", json.dumps({"spend": 1.0})), ("b", json.dumps({"spend": 9.0})), ("c", "{bad")])
    StreamingPredictOperator(
        task_id="stream",
        model_uri=str(folder),
        bootstrap_servers=kafka_broker.bootstrap,
        input_topic=source,
        output_topic=target,
        checkpoint=str(tmp_path / "checkpoint"),
        dead_letter_topic=f"{source}.dlq",
        jars=_jars(),
    ).execute({})
    scored = {m.key().decode(): json.loads(m.value()) for m in kafka_broker.consume(target, expected=2)}
    assert sorted(scored) == ["a", "b"]
    assert scored["b"]["proba_1"] == pytest.approx(model.predict(pd.DataFrame({"spend": [9.0]}))["proba_1"][0])
    dead = kafka_broker.consume(f"{source}.dlq", expected=1)
    assert len(dead) == 1 and dead[0].key().decode() == "c"
