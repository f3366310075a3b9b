"""The monitor job: drift of a batch against reference data on Spark, alerts posted to a webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"spend": rng.normal(50, 10, n) + shift, "visits": rng.poisson(5, n).astype("int64")})


@pytest.fixture()
def webhook() -> Iterator[tuple[str, list[Any]]]:
    received: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


@pytest.mark.spark
def test_drift_alerts_are_reported_and_posted(run_job, tmp_path: Path, webhook) -> None:
    url, received = webhook
    _frame(2000, 0).to_parquet(tmp_path / "ref.parquet")
    _frame(500, 1, shift=15.0).to_parquet(tmp_path / "cur.parquet")
    code, result, err = run_job(
        "monitor", "--input", str(tmp_path / "cur.parquet"), "--reference", str(tmp_path / "ref.parquet"),
        "--columns", "spend,visits", "--webhook-url", url,
    )  # fmt: skip
    assert code == 0, err
    assert result["drifted"] is True and result["notified"] is True
    assert result["checked"] == ["spend", "visits"]
    assert result["rows"] == 500
    assert {a["feature"] for a in result["alerts"]} == {"spend"}
    assert len(received) == 1 and {a["feature"] for a in received[0]["alerts"]} == {"spend"}


@pytest.mark.spark
def test_same_distribution_raises_no_alert(run_job, tmp_path: Path, webhook) -> None:
    url, received = webhook
    _frame(2000, 0).to_parquet(tmp_path / "ref.parquet")
    _frame(500, 2).to_parquet(tmp_path / "cur.parquet")
    code, result, err = run_job(
        "monitor", "--input", str(tmp_path / "cur.parquet"), "--reference", str(tmp_path / "ref.parquet"),
        "--webhook-url", url,
    )  # fmt: skip
    assert code == 0, err
    assert result["alerts"] == [] and result["drifted"] is False and received == []
