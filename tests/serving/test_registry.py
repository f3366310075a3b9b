"""Serving from the real MLflow registry: alias URIs, hot reload under traffic, the CLI and the SDK."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from yotml_airflow.errors import ServingError, TrackingError
from yotml_airflow.serving import ServerThread, YotmlClient, create_app, free_port
from yotml_airflow.tracking import log_model, promote

NUMERIC = ["tenure", "spend", "visits"]


@pytest.fixture(scope="module")
def registry(fit_gbm, tmp_path_factory, churn):
    """Two versions of 'churn' in one real SQLite MLflow registry for this module (as ``mlflow_store``
    sets it up, but shared: logging costs seconds), the alias 'champion' on version 1."""
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        patch.setenv("MLFLOW_REGISTRY_URI", uri)
        patch.setenv("YOTML_ARTIFACT_ROOT", str(folder / "artifacts"))
        v1 = fit_gbm(churn, n_estimators=5, seed=0)
        v2 = fit_gbm(churn, n_estimators=40, seed=1)
        log_model(v1, "churn", data=churn)
        log_model(v2, "churn", data=churn)
        promote("churn", 1, "champion")
        yield {1: v1, 2: v2}


def test_serves_an_alias_and_reports_name_and_version(to_records, registry, churn):
    with ServerThread("models:/churn@champion") as server:
        described = httpx.get(f"{server.url}/model").json()
        assert (described["name"], described["version"]) == ("churn", 1)
        assert described["source"] == "models:/churn@champion"
        records = to_records(churn.head(8), NUMERIC)
        body = httpx.post(f"{server.url}/predict", json=records).json()
        assert (body["model"], body["version"]) == ("churn", 1)
        assert body["predictions"] == registry[1].predict(pd.DataFrame(records)).to_dict("records")


def test_an_unknown_alias_fails_at_startup(registry):
    with pytest.raises(TrackingError, match="no alias 'nope'"):
        create_app("models:/churn@nope")


def test_alias_move_under_traffic_swaps_with_no_failed_request(to_records, registry, churn):
    records = to_records(churn.head(3), NUMERIC)
    expected = {v: m.predict(pd.DataFrame(records)).to_dict("records") for v, m in registry.items()}
    assert expected[1] != expected[2]
    results: list[tuple[int, object, object]] = []
    stop = threading.Event()

    def hammer(url: str) -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set() and len(results) < 20000:
                try:
                    response = client.post(f"{url}/predict", json=records)
                    body = response.json()
                    results.append((response.status_code, body.get("version"), body.get("predictions")))
                except httpx.HTTPError as exc:
                    results.append((0, None, repr(exc)))

    promote("churn", 1, "live")
    with ServerThread("models:/churn@live", reload_interval=0.2) as server:
        thread = threading.Thread(target=hammer, args=(server.url,))
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while len(results) < 50 and time.monotonic() < deadline:
                time.sleep(0.05)
            promote("churn", 2, "live")
            while not any(v == 2 for _, v, _ in results[-50:]) and time.monotonic() < deadline:
                time.sleep(0.05)
            seen_after = len(results)
            while len(results) < seen_after + 50 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join()
        health = httpx.get(f"{server.url}/health").json()

    failures = [r for r in results if r[0] != 200]
    assert failures == []
    versions = [v for _, v, _ in results]
    assert versions[0] == 1 and versions[-1] == 2
    switch = versions.index(2)
    assert set(versions[:switch]) == {1} and set(versions[switch:]) == {2}
    assert all(p == expected[v] for _, v, p in results)
    assert health["version"] == 2 and health["reloads"] == 1 and health["last_reload_error"] is None


def test_a_replaced_folder_is_reloaded(to_records, fit_gbm, tmp_path, churn):
    from yotml_airflow.serving import ModelHolder

    folder = tmp_path / "model"
    fit_gbm(churn, n_estimators=5).save(folder)
    holder = ModelHolder(folder)
    assert holder.check_now() is False
    newer = fit_gbm(churn, n_estimators=30, seed=3)
    newer.save(folder)
    assert holder.check_now() is True
    record = pd.DataFrame(to_records(churn.head(2), NUMERIC))
    assert holder.current.model.predict(record).equals(newer.predict(record))


def _yotml() -> str:
    script = Path(sys.executable).parent / "yotml"
    return str(script) if script.exists() else "yotml"


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"yotml serve exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("yotml serve did not become healthy")


def test_cli_serves_the_registry_with_a_token_and_the_sdk_calls_it(to_records, registry, churn, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        _yotml(),
        "serve",
        "--model",
        "models:/churn@champion",
        "--port",
        str(port),
        "--token",
        "tok",
        "--max-rows",
        "50",
        "--log-level",
        "warning",
    ]
    log = tmp_path / "serve.log"
    with open(log, "w") as sink:
        process = subprocess.Popen(command, env=dict(os.environ), stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process, log)
        frame = churn.head(10)[NUMERIC].set_axis(range(100, 110))
        with YotmlClient(url, token="tok") as client:
            assert client.model_info()["version"] == 1
            one = client.predict(to_records(churn.head(1), NUMERIC)[0])
            assert one == registry[1].predict(frame.head(1)).to_dict("records")
            got = client.predict_frame(frame)
            pd.testing.assert_frame_equal(got, registry[1].predict(frame))
            with pytest.raises(ServingError, match="'visits'") as error:
                client.predict({"tenure": 1, "spend": 2.0})
            assert error.value.status == 422 and error.value.detail[0]["field"] == "visits"
            with pytest.raises(ServingError) as error:
                client.predict([{"tenure": 1, "spend": 2.0, "visits": 1.0}] * 51)
            assert error.value.status == 413
        with YotmlClient(url) as anonymous, pytest.raises(ServingError) as error:
            anonymous.predict({"tenure": 1, "spend": 2.0, "visits": 1.0})
        assert error.value.status == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode in (0, -signal.SIGINT)  # uvicorn re-raises the signal after a clean shutdown


def test_cli_refuses_a_missing_model_with_exit_code_2(tmp_path):
    result = subprocess.run(
        [_yotml(), "serve", "--model", str(tmp_path / "absent"), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "no saved model at" in result.stderr
