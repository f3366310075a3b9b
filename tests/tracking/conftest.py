"""Fixtures for the tracking tests: a fast real SQLite MLflow store, small data, a real ``mlflow server``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def _mlflow_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated MLflow SQLite database; each test copies it (migrating a new one takes ~10-20 s)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture()
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _mlflow_db_template: Path) -> str:
    """A real MLflow SQLite tracking store and artifact folder in a temporary directory (a fresh copy per test)."""
    db = tmp_path / "mlflow.db"
    shutil.copyfile(_mlflow_db_template, db)
    uri = f"sqlite:///{db}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", uri)
    monkeypatch.setenv("YOTML_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    return uri


def _make_churn(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A small binary-classification frame: numeric, integer and string features, a 0/1 label."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "visits": rng.integers(0, 10, size=n),
            "store": rng.choice(["a", "b", "c"], size=n),
        }
    )
    logit = 1.5 * df["x"] + 0.2 * (df["visits"] - 5)
    df["churned"] = (logit + rng.normal(scale=0.8, size=n) > 0).astype("int64")
    return df


@pytest.fixture(scope="session")
def make_churn() -> Callable[..., pd.DataFrame]:
    """``make_churn(n=120, seed=0)``: a small churn frame (x, visits, store, churned)."""
    return _make_churn


@pytest.fixture(scope="session")
def churn_df() -> pd.DataFrame:
    return _make_churn()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory, _mlflow_db_template: Path) -> Iterator[dict[str, str]]:
    """A real ``mlflow server`` on loopback (SQLite backend, proxied artifacts); stopped after the module."""
    import httpx

    root = tmp_path_factory.mktemp("mlflow-server")
    db = root / "mlflow.db"
    shutil.copyfile(_mlflow_db_template, db)
    port = _free_port()
    mlflow_bin = str(Path(sys.executable).with_name("mlflow"))
    log = open(root / "server.log", "wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "YOTML_"))}
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"  # no background job runner process
    proc = subprocess.Popen(
        [
            mlflow_bin, "server",
            "--backend-store-uri", f"sqlite:///{db}",
            "--default-artifact-root", "mlflow-artifacts:/",
            "--artifacts-destination", str(root / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # importing the server app is slow on a busy 2-core machine
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {proc.returncode}: {(root / 'server.log').read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not answer /health: {(root / 'server.log').read_text()}")
            time.sleep(0.5)
        yield {"url": url, "artifacts": str(root / "artifacts")}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
