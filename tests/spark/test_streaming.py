"""Kafka to Kafka and batch to Kafka on a real broker with Spark's own Kafka connector."""

from __future__ import annotations

import base64
import json

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.errors import ConfigError, JobError
from yotml_airflow.models import SklearnModel
from yotml_airflow.spark import publish_predictions, stream_predictions

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def model() -> SklearnModel:
    train = pd.DataFrame(
        {"x1": [0.0, 1, 2, 3, 4, 5, 6, 7], "x2": [1.0, 0, 1, 0, 1, 0, 1, 0], "target": [0, 0, 0, 1, 0, 1, 1, 1]}
    )
    return SklearnModel(LogisticRegression(), features=["x1", "x2"], target="target").fit(train)


def _rows(n: int, start: int = 0) -> pd.DataFrame:
    ids = range(start, start + n)
    return pd.DataFrame(
        {"id": [f"c{i}" for i in ids], "x1": [i % 9 * 0.9 for i in ids], "x2": [float(i % 2) for i in ids]}
    )


def _produce_rows(kafka_broker, topic: str, rows: pd.DataFrame) -> None:
    records = [(r.id, json.dumps({"id": r.id, "x1": r.x1, "x2": r.x2})) for r in rows.itertuples()]
    kafka_broker.produce(topic, records)


def _by_key(messages) -> dict[str, dict]:
    return {m.key().decode(): json.loads(m.value()) for m in messages}


def test_kafka_to_kafka_available_now_scores_every_record_once_and_resumes(spark, kafka_broker, model, tmp_path):
    source, sink = kafka_broker.topic("in", partitions=2), kafka_broker.topic("out")
    first = _rows(30)
    _produce_rows(kafka_broker, source, first)
    checkpoint = tmp_path / "checkpoint"

    query = stream_predictions(
        model,
        kafka_broker.bootstrap,
        source,
        sink,
        checkpoint,
        keep_fields=["id"],
        max_offsets_per_trigger=12,
        model_name="churn",
        model_version=3,
        spark=spark,
    )
    assert not query.isActive
    assert len([p for p in query.recentProgress if p["numInputRows"] > 0]) >= 3  # 30 records, <= 12 per batch

    out = kafka_broker.consume(sink, expected=30)
    records = _by_key(out)
    assert len(out) == 30 and set(records) == set(first["id"])
    expected = model.predict(first[["x1", "x2"]]).set_index(first["id"])
    for key, rec in records.items():
        assert rec["id"] == key
        assert rec["prediction"] == expected.loc[key, "prediction"]
        assert rec["proba_1"] == pytest.approx(expected.loc[key, "proba_1"], abs=1e-12)
        assert (rec["model_name"], rec["model_version"]) == ("churn", 3)
        assert rec["source_topic"] == source and rec["predicted_at"] and rec["source_timestamp"]
    inputs = {m.key().decode(): (m.partition(), m.offset()) for m in kafka_broker.consume(source, expected=30)}
    assert {k: (r["source_partition"], r["source_offset"]) for k, r in records.items()} == inputs

    second = _rows(8, start=30)
    _produce_rows(kafka_broker, source, second)
    stream_predictions(model, kafka_broker.bootstrap, source, sink, checkpoint, keep_fields=["id"], spark=spark)
    out = kafka_broker.consume(sink, expected=38)
    assert len(out) == 38, "the restarted query must score only the 8 new records"
    assert {m.key().decode() for m in out[30:]} | set(records) == set(first["id"]) | set(second["id"])


def test_bad_records_go_to_the_dead_letter_topic_with_their_reason(spark, kafka_broker, model, tmp_path):
    source, sink = kafka_broker.topic("in", partitions=2), kafka_broker.topic("out")
    dead = f"{source}.dead-letter"
    bad = {
        "not-json": ("not json", "not valid JSON"),
        "truncated": ('{"x1": 1.0, "x2": ', "not valid JSON"),
        "array": ("[1, 2]", "not a JSON object"),
        "number": ("42", "not a JSON object"),
        "tombstone": (None, "null value"),
        "binary": (b"\xff\xfe\x00{", "not valid JSON"),
        "missing": ('{"x1": 1.0}', "missing field(s): x2"),
        "text-in-number": ('{"x1": "abc", "x2": 1}', "wrong type for field(s): x1 (numeric)"),
        "bool-in-number": ('{"x1": 1, "x2": true}', "wrong type for field(s): x2 (numeric)"),
    }
    # decodes fine, but LogisticRegression raises on NaN: only this record may be dead-lettered
    model_error = ("null-feature", '{"x1": null, "x2": 0}')
    good = [("ok-1", '{"x1": 2.5, "x2": 1}'), ("ok-2", '{"x1": 7, "x2": 0, "extra": [1]}')]
    kafka_broker.produce(source, [(k, v) for k, (v, _) in bad.items()] + [model_error] + good)

    stats: dict[str, int] = {}
    stream_predictions(model, kafka_broker.bootstrap, source, sink, tmp_path / "cp", spark=spark, stats=stats)

    assert stats == {"batches": 1, "records": 12, "predictions": 2, "dead_letters": 10}
    letters = _by_key(kafka_broker.consume(dead, expected=len(bad) + 1))
    assert letters.pop("null-feature")["reason"].startswith("model error: ValueError: Input X contains NaN")
    assert {k: v["reason"] for k, v in letters.items()} == {k: reason for k, (_, reason) in bad.items()}
    for key, (value, _) in bad.items():
        raw = value.encode() if isinstance(value, str) else value
        stored = letters[key]["value_base64"]
        assert (base64.b64decode(stored) if stored is not None else None) == raw
        assert letters[key]["source_topic"] == source and "source_offset" in letters[key]
    scored = _by_key(kafka_broker.consume(sink, expected=2))
    assert set(scored) == {"ok-1", "ok-2"}
    assert scored["ok-1"]["prediction"] == int(model.predict(pd.DataFrame({"x1": [2.5], "x2": [1.0]}))["prediction"][0])


def test_model_error_fails_the_query_when_isolation_is_off(spark, kafka_broker, model, tmp_path):
    source, sink = kafka_broker.topic("in"), kafka_broker.topic("out")
    kafka_broker.produce(source, [("ok", '{"x1": 1.0, "x2": 0}'), ("nan", '{"x1": null, "x2": 0}')])
    with pytest.raises(JobError, match="Input X contains NaN"):
        stream_predictions(
            model, kafka_broker.bootstrap, source, sink, tmp_path / "cp", spark=spark, isolate_max_rows=0
        )


def test_one_query_broadcasts_the_model_once_for_all_micro_batches(spark, kafka_broker, model, tmp_path, monkeypatch):
    from yotml_airflow.spark import _ship

    calls = []
    original = _ship.broadcast_model
    monkeypatch.setattr(_ship, "broadcast_model", lambda *a: calls.append(1) or original(*a))
    monkeypatch.setattr("yotml_airflow.spark._routed.broadcast_model", _ship.broadcast_model)
    source, sink = kafka_broker.topic("in"), kafka_broker.topic("out")
    _produce_rows(kafka_broker, source, _rows(12))
    stats: dict[str, int] = {}
    stream_predictions(
        model,
        kafka_broker.bootstrap,
        source,
        sink,
        tmp_path / "cp",
        spark=spark,
        max_offsets_per_trigger=4,
        stats=stats,
    )
    assert stats["batches"] == 3 and stats["predictions"] == 12
    assert len(calls) == 1


def test_publish_predictions_from_a_dataframe_and_a_parquet_path(spark, kafka_broker, model, tmp_path):
    rows = _rows(25)
    topic = kafka_broker.topic("scores")
    result = publish_predictions(
        model,
        spark.createDataFrame(rows),
        kafka_broker.bootstrap,
        topic,
        key_column="id",
        model_name="churn",
        model_version=7,
        spark=spark,
    )
    assert result == {"topic": topic, "rows": 25, "model_name": "churn", "model_version": 7}
    records = _by_key(kafka_broker.consume(topic, expected=25))
    expected = model.predict(rows[["x1", "x2"]]).set_index(rows["id"])
    assert set(records) == set(rows["id"])
    for key, rec in records.items():
        assert rec["id"] == key and rec["model_name"] == "churn" and rec["model_version"] == 7
        assert rec["prediction"] == expected.loc[key, "prediction"]
        assert "source_offset" not in rec and rec["predicted_at"]

    path = tmp_path / "rows.parquet"
    rows.to_parquet(path)
    second = kafka_broker.topic("scores")
    assert publish_predictions(model, path, kafka_broker.bootstrap, second, key_column="id", spark=spark)["rows"] == 25
    assert {r["model_name"] for r in _by_key(kafka_broker.consume(second, expected=25)).values()} == {"SklearnModel"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"output_topic": "in"}, "must differ"),
        ({"trigger": "once"}, "trigger must be"),
        ({"value_format": "avro"}, "not supported"),
        ({"max_offsets_per_trigger": 0}, "positive integer"),
        ({"bootstrap_servers": ""}, "bootstrap_servers"),
        ({"keep_fields": ["prediction"]}, "overwritten"),
    ],
)
def test_bad_arguments_fail_before_the_query_starts(spark, model, tmp_path, kwargs, message):
    args = {"bootstrap_servers": "127.0.0.1:1", "input_topic": "in", "output_topic": "out", "checkpoint": tmp_path}
    args.update(kwargs)
    with pytest.raises(ConfigError, match=message):
        stream_predictions(model, spark=spark, **args)
    assert not list(tmp_path.iterdir()) and not spark.streams.active


def test_publish_rejects_a_missing_path_and_key_column(spark, model, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        publish_predictions(model, tmp_path / "nope.parquet", "127.0.0.1:1", "t", spark=spark)
    with pytest.raises(ConfigError, match="not in the input"):
        publish_predictions(model, spark.createDataFrame(_rows(2)), "127.0.0.1:1", "t", key_column="nope", spark=spark)


def test_registry_alias_is_resolved_once_and_stamped_on_every_record(
    spark, kafka_broker, model, mlflow_store, tmp_path
):
    from yotml_airflow.tracking import log_model, promote

    log_model(model, "churn")
    second = log_model(model, "churn")
    promote("churn", second.version, alias="champion")
    source, sink = kafka_broker.topic("in"), kafka_broker.topic("out")
    _produce_rows(kafka_broker, source, _rows(5))

    stream_predictions("models:/churn@champion", kafka_broker.bootstrap, source, sink, tmp_path / "cp", spark=spark)

    records = _by_key(kafka_broker.consume(sink, expected=5)).values()
    assert len(records) == 5
    assert {(r["model_name"], r["model_version"]) for r in records} == {("churn", second.version)}
    assert second.version == 2
