"""The ``publish`` job (batch to Kafka) through the jobs command line, on the shared session."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from yotml_airflow.models import SklearnModel, save_model


def test_publish_job_scores_a_parquet_file_into_a_topic(run_job, kafka_broker, tmp_path):
    rows = pd.DataFrame({"customer_id": [f"c{i}" for i in range(12)], "x": [float(i) for i in range(12)]})
    rows.to_parquet(tmp_path / "rows.parquet")
    model = SklearnModel(LinearRegression(), features=["x"], target="y").fit(rows.assign(y=rows["x"] * 3 + 1))
    save_model(model, tmp_path / "model")
    topic = kafka_broker.topic("scores")

    code, result, err = run_job(
        "publish",
        "--model",
        str(tmp_path / "model"),
        "--input",
        str(tmp_path / "rows.parquet"),
        "--bootstrap-servers",
        kafka_broker.bootstrap,
        "--topic",
        topic,
        "--key-column",
        "customer_id",
        "--model-name",
        "ltv",
        "--model-version",
        "4",
    )

    assert code == 0, err
    assert result == {"topic": topic, "rows": 12, "model_name": "ltv", "model_version": 4}
    records = {m.key().decode(): json.loads(m.value()) for m in kafka_broker.consume(topic, expected=12)}
    assert set(records) == set(rows["customer_id"])
    for i in range(12):
        assert records[f"c{i}"]["prediction"] == pytest.approx(3 * i + 1, abs=1e-9)
        assert records[f"c{i}"]["model_version"] == 4


def test_publish_job_rejects_a_missing_input_with_one_line(run_job, tmp_path):
    code, result, err = run_job(
        "publish",
        "--model",
        str(tmp_path / "nope"),
        "--input",
        str(tmp_path / "rows.parquet"),
        "--bootstrap-servers",
        "127.0.0.1:1",
        "--topic",
        "t",
    )
    assert code == 2 and result is None
    assert err.strip().startswith("yotml publish: error:") and len(err.strip().splitlines()) == 1
