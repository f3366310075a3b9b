"""The prediction service over real HTTP (uvicorn on loopback): predictions, metadata, every bad input."""

from __future__ import annotations

import json
import pickle

import httpx
import numpy as np
import pandas as pd
import pytest

from yotml_airflow.serving import ServerThread

NUMERIC = ["tenure", "spend", "visits"]
MIXED = ["tenure", "spend", "plan", "promo", "signup"]


def _expected(model, records: list[dict]) -> list[dict]:
    frame = pd.DataFrame(records)
    if "signup" in frame:
        frame["signup"] = pd.to_datetime(frame["signup"], format="ISO8601", utc=True).dt.tz_localize(None)
    return model.predict(frame).to_dict("records")


def test_single_record_equals_model_predict_on_the_fast_path(to_records, numeric_server, numeric_model, churn):
    records = to_records(churn.head(5), NUMERIC)
    for record in records:
        response = httpx.post(f"{numeric_server.url}/predict", json=record)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["model"] == "churn_gbm" and body["version"] is None
        assert body["predictions"] == _expected(numeric_model, [record])
    assert httpx.get(f"{numeric_server.url}/model").json()["fast_path"] is True


def test_batch_equals_model_predict_on_the_fast_path(to_records, numeric_server, numeric_model, churn):
    records = to_records(churn.sample(20, random_state=1), NUMERIC)
    records[4]["tenure"] = 7.5
    body = httpx.post(f"{numeric_server.url}/predict", json=records).json()
    assert body["predictions"] == _expected(numeric_model, records)
    assert len(body["predictions"]) == 20


def test_mixed_types_go_through_the_pandas_path_and_equal_predict(to_records, mixed_server, mixed_model, churn):
    records = to_records(churn.sample(30, random_state=2), MIXED)
    records[0]["plan"] = "enterprise"
    records[1]["signup"] = "2024-03-05T10:00:00+02:00"
    body = httpx.post(f"{mixed_server.url}/predict", json=records).json()
    assert body["predictions"] == _expected(mixed_model, records)
    described = httpx.get(f"{mixed_server.url}/model").json()
    assert described["fast_path"] is False
    assert described["input_schema"] == {
        "tenure": "numeric",
        "spend": "numeric",
        "plan": "string",
        "promo": "bool",
        "signup": "datetime",
    }
    assert described["output_columns"] == {"prediction": "int64", "proba_0": "float64", "proba_1": "float64"}


def test_extra_fields_are_ignored(to_records, numeric_server, numeric_model, churn):
    record = to_records(churn.head(1), NUMERIC)[0]
    body = httpx.post(f"{numeric_server.url}/predict", json={**record, "customer_id": "c-1"}).json()
    assert body["predictions"] == _expected(numeric_model, [record])


def test_health_and_model(numeric_server):
    health = httpx.get(f"{numeric_server.url}/health").json()
    assert health["status"] == "ok" and health["model"] == "churn_gbm"
    assert health["reload_interval"] is None
    described = httpx.get(f"{numeric_server.url}/model").json()
    assert described["name"] == "churn_gbm"
    assert described["input_schema"] == {c: "numeric" for c in NUMERIC}
    assert described["max_rows"] == 20


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'{"tenure": 3, "spend": ', "malformed JSON"),
        (b"", "empty"),
        (b'{"tenure": NaN, "spend": 1, "visits": 2}', "NaN is not valid JSON"),
        (b"\xff\xfe{}", "malformed JSON"),
        (pickle.dumps({"tenure": 1, "spend": 2.0, "visits": 3.0}), "malformed JSON"),
    ],
    ids=["truncated", "empty", "nan-literal", "not-utf8", "pickle-bytes"],
)
def test_malformed_bodies_are_400(numeric_server, body, fragment):
    response = httpx.post(f"{numeric_server.url}/predict", content=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


@pytest.mark.parametrize(
    ("payload", "fields", "fragment"),
    [
        ({"tenure": "ten", "spend": 1.0, "visits": 2.0}, ["tenure"], "must be a number"),
        ({"tenure": True, "spend": 1.0, "visits": 2.0}, ["tenure"], "must be a number"),
        ({"tenure": 1, "spend": [1.0], "visits": 2.0}, ["spend"], "must be a number"),
        ({"tenure": 2**70, "spend": 1.0, "visits": 2.0}, ["tenure"], "int64 range"),
        ({"spend": 1.0}, ["tenure", "visits"], "missing"),
        ({"tenure": "x", "visits": 1.0}, ["spend", "tenure"], ""),
        ([{"tenure": 1, "spend": 1.0, "visits": 1.0}, {"tenure": 1, "visits": 1.0}], ["spend"], "record(s) [1]"),
        ([{"tenure": 1, "spend": 1.0, "visits": 1.0}, {"tenure": 1, "spend": "a", "visits": 1.0}], ["spend"], ""),
    ],
    ids=[
        "string-for-number",
        "bool-for-number",
        "array-for-number",
        "int-overflow",
        "missing",
        "missing-and-wrong",
        "batch-missing",
        "batch-wrong-type",
    ],
)
def test_wrong_types_and_missing_fields_are_422_naming_the_fields(numeric_server, payload, fields, fragment):
    response = httpx.post(f"{numeric_server.url}/predict", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert sorted(d["field"] for d in body["detail"]) == sorted(fields)
    for field in fields:
        assert f"'{field}'" in body["error"]
    assert fragment in body["error"]


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"plan": 3}, "plan", "must be a string"),
        ({"promo": "yes"}, "promo", "must be true, false or null"),
        ({"signup": "last tuesday"}, "signup", "ISO 8601"),
        ({"signup": 1714557600}, "signup", "ISO 8601"),
    ],
)
def test_string_bool_datetime_checks_are_422(to_records, mixed_server, churn, payload, field, fragment):
    record = {**to_records(churn.head(1), MIXED)[0], **payload}
    response = httpx.post(f"{mixed_server.url}/predict", json=record)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert fragment in response.json()["error"]


@pytest.mark.parametrize(
    "payload",
    [42, "a record", None, [], [1, 2], [{"tenure": 1, "spend": 1.0, "visits": 1.0}, "x"]],
    ids=["number", "string", "null", "empty-array", "array-of-numbers", "array-with-a-string"],
)
def test_bodies_that_are_not_records_are_422(numeric_server, payload):
    response = httpx.post(f"{numeric_server.url}/predict", content=json.dumps(payload))
    assert response.status_code == 422
    assert "error" in response.json()


def test_too_many_records_is_413(numeric_server):
    records = [{"tenure": 1, "spend": 1.0, "visits": 1.0}] * 21
    response = httpx.post(f"{numeric_server.url}/predict", json=records)
    assert response.status_code == 413
    assert "limit is 20" in response.json()["error"]


def test_body_over_the_limit_is_413_by_content_length(numeric_server):
    body = b'{"tenure": 1, "spend": 1.0, "visits": 1.0, "pad": "' + b"x" * 5000 + b'"}'
    response = httpx.post(f"{numeric_server.url}/predict", content=body)
    assert response.status_code == 413
    assert "4096" in response.json()["error"]


def test_body_over_the_limit_is_413_when_streamed_without_content_length(numeric_server):
    def chunks():
        yield b'{"tenure": 1, "spend": 1.0, "visits": 1.0, "pad": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    response = httpx.post(f"{numeric_server.url}/predict", content=chunks())
    assert response.status_code == 413
    assert "more than 4096" in response.json()["error"]


def test_a_small_streamed_body_is_accepted(numeric_server, numeric_model):
    record = {"tenure": 3, "spend": 12.5, "visits": 2.0}

    def chunks():
        yield b'{"tenure": 3, "spend": 12.5,'
        yield b' "visits": 2.0}'

    response = httpx.post(f"{numeric_server.url}/predict", content=chunks())
    assert response.status_code == 200
    assert response.json()["predictions"] == _expected(numeric_model, [record])


def test_model_errors_on_valid_json_are_422(numeric_server):
    response = httpx.post(f"{numeric_server.url}/predict", json={"tenure": 1, "spend": None, "visits": 1.0})
    assert response.status_code == 422
    assert "NaN" in response.json()["error"]


def test_unknown_routes_and_methods(numeric_server):
    assert httpx.get(f"{numeric_server.url}/nope").status_code == 404
    assert httpx.get(f"{numeric_server.url}/predict").status_code == 405


@pytest.fixture(scope="module")
def secured_server(numeric_folder):
    with ServerThread(numeric_folder, token="s3cret-token") as server:
        yield server


def test_bearer_token_auth(secured_server):
    url = secured_server.url
    record = {"tenure": 1, "spend": 1.0, "visits": 1.0}
    missing = httpx.post(f"{url}/predict", json=record)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = httpx.post(f"{url}/predict", json=record, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert httpx.get(f"{url}/model", headers={"Authorization": "Basic czNjcmV0"}).status_code == 403
    assert httpx.get(f"{url}/model").status_code == 401
    ok = httpx.post(f"{url}/predict", json=record, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and len(ok.json()["predictions"]) == 1
    assert httpx.get(f"{url}/health").status_code == 200


def test_nan_and_infinite_outputs_are_sent_as_null():
    from yotml_airflow.serving._codec import column_values, dumps

    values = column_values(np.array([1.0, np.nan, np.inf]))
    assert values == [1.0, None, None]
    assert dumps({"v": values}) == b'{"v":[1.0,null,null]}'
