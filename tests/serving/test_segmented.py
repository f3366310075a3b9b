"""Serving a SegmentedModel: per-record routing, lazy segment loading, fallback, equality with predict."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from yotml_airflow.models import SegmentedModel, SklearnModel, load_model
from yotml_airflow.serving import ServerThread

STORES = [f"s{i}" for i in range(12)]

NUMERIC = ["tenure", "spend", "visits"]


@pytest.fixture(scope="module")
def segmented(churn, tmp_path_factory):
    df = churn.assign(store=np.array(STORES)[np.arange(len(churn)) % len(STORES)])
    base = SklearnModel(GradientBoostingClassifier(n_estimators=5, max_depth=2), features=NUMERIC, target="churned")
    model = SegmentedModel(base, "store", min_rows=5, fallback="global").fit(df)
    folder = model.save(tmp_path_factory.mktemp("segmented") / "churn_by_store")
    return df, folder


@pytest.fixture()
def server(segmented):
    with ServerThread(segmented[1]) as server:
        yield server


def _served(server):
    return server.app.state.holder.current


def test_a_single_record_loads_only_its_segment(to_records, server, segmented):
    df, folder = segmented
    reference = load_model(folder)
    assert _served(server).model.store_.unpickled == 0
    record = {**to_records(df.head(1), NUMERIC)[0], "store": "s3"}
    body = httpx.post(f"{server.url}/predict", json=record).json()
    assert body["predictions"] == reference.predict(pd.DataFrame([record])).to_dict("records")
    assert _served(server).model.store_.unpickled == 1
    again = httpx.post(f"{server.url}/predict", json={**record, "tenure": 50}).json()
    assert again["predictions"] == reference.predict(pd.DataFrame([{**record, "tenure": 50}])).to_dict("records")
    described = httpx.get(f"{server.url}/model").json()
    assert (described["segment_col"], described["segments"], described["segments_in_memory"]) == ("store", 12, 1)
    assert _served(server).model.store_.unpickled == 1


def test_unseen_segments_use_the_fallback_and_batches_equal_predict(to_records, server, segmented):
    df, folder = segmented
    reference = load_model(folder)
    unseen = {**to_records(df.head(1), NUMERIC)[0], "store": "new-store"}
    body = httpx.post(f"{server.url}/predict", json=unseen).json()
    assert body["predictions"] == reference.predict(pd.DataFrame([unseen])).to_dict("records")
    assert _served(server).model.store_.unpickled == 0
    batch = to_records(df.sample(15, random_state=4), [*NUMERIC, "store"])
    batch[2]["store"] = "other-new"
    body = httpx.post(f"{server.url}/predict", json=batch).json()
    assert body["predictions"] == reference.predict(pd.DataFrame(batch)).to_dict("records")


def test_missing_segment_field_is_422(to_records, server, segmented):
    df, _ = segmented
    response = httpx.post(f"{server.url}/predict", json=to_records(df.head(1), NUMERIC)[0])
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["detail"]] == ["store"]
