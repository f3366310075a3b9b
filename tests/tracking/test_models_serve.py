"""``mlflow models serve --env-manager local`` (MLflow's own REST server) scores a logged yotml model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import SklearnModel
from yotml_airflow.tracking import log_model, promote


@pytest.mark.slow
def test_mlflow_models_serve_answers_like_predict(
    mlflow_store: str, churn_df: pd.DataFrame, tmp_path: Path, free_tcp_port: int
) -> None:
    model = SklearnModel(LogisticRegression(), features=["x", "visits"], target="churned").fit(churn_df)
    log_model(model, "churn_serve")
    promote("churn_serve", 1)
    port = free_tcp_port
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen(
            [str(Path(bin_dir) / "mlflow"), "models", "serve", "-m", "models:/churn_serve@champion",
             "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 240
            while True:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.5)
            rows = churn_df.head(6)
            body = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
            response = httpx.post(f"{url}/invocations", json=body, timeout=60)
            assert response.status_code == 200, response.text
            served = pd.DataFrame(response.json()["predictions"])
            expected = model.predict(rows).reset_index(drop=True)
            assert served["prediction"].tolist() == expected["prediction"].tolist()
            pd.testing.assert_series_equal(served["proba_1"], expected["proba_1"], check_exact=False, rtol=1e-9)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
