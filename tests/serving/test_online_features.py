"""Real-time calls with online features: the request names the customer, the server fetches the rest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from yotml_airflow.features import FeatureStore, FeatureView
from yotml_airflow.serving import OnlineFeatures, ServerThread

NUMERIC = ["tenure", "spend", "visits"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, churn: pd.DataFrame) -> FeatureStore:
    view = FeatureView(name="customer", entity="customer_id", timestamp="ts", features=NUMERIC)
    store = FeatureStore([view], online=f"sqlite:///{tmp_path_factory.mktemp('online') / 'online.db'}")
    rows = [(f"c{i}", 1_700_000_000, {c: float(churn.loc[i, c]) for c in NUMERIC}) for i in range(20)]
    store.online.write("customer", rows)
    return store


@pytest.fixture(scope="module")
def server(numeric_folder: Path, store: FeatureStore) -> Iterator[ServerThread]:
    features = OnlineFeatures(store, [f"customer:{c}" for c in NUMERIC])
    thread = ServerThread(str(numeric_folder), features=features).start()
    yield thread
    thread.stop()


def test_entity_keys_are_enough(server: ServerThread, numeric_model, churn: pd.DataFrame) -> None:
    response = httpx.post(f"{server.url}/predict", json=[{"customer_id": "c3"}, {"customer_id": "c7"}])
    assert response.status_code == 200, response.text
    expected = numeric_model.predict(churn.loc[[3, 7], NUMERIC].astype(float).reset_index(drop=True))
    got = [p["proba_1"] for p in response.json()["predictions"]]
    assert got == pytest.approx(expected["proba_1"].tolist())


def test_caller_fields_win_over_stored_ones(server: ServerThread, numeric_model, churn: pd.DataFrame) -> None:
    body = {"customer_id": "c3", "tenure": 59}
    response = httpx.post(f"{server.url}/predict", json=body).json()
    row = churn.loc[[3], NUMERIC].astype(float).reset_index(drop=True).assign(tenure=59.0)
    assert response["predictions"][0]["proba_1"] == pytest.approx(numeric_model.predict(row)["proba_1"][0])


def test_missing_key_and_unknown_entity_are_422(server: ServerThread) -> None:
    missing = httpx.post(f"{server.url}/predict", json={"tenure": 3})
    assert missing.status_code == 422 and "customer_id" in missing.text
    unknown = httpx.post(f"{server.url}/predict", json={"customer_id": "nobody"})
    assert unknown.status_code == 422
