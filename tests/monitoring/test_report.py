"""The HTML report: summary table and one embedded PNG per alerting feature; logged to MLflow."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tests.monitoring.frames import make_frame
from yotml_airflow.errors import ConfigError, SchemaError, TrackingError
from yotml_airflow.models.monitoring import DriftMonitor, PerformanceMonitor, render_report


def drift_report(tmp_path: Path) -> tuple[Path, object]:
    monitor = DriftMonitor().fit(make_frame(2000, seed=1))
    current = make_frame(500, seed=2, loc=0.8, new_category=0.1)
    report = monitor.predict(current)
    path = render_report(report, tmp_path / "out" / "drift.html", monitor=monitor, current=current, title="Churn drift")
    return path, report


def test_report_has_the_table_and_a_png_per_alerting_feature(tmp_path: Path) -> None:
    path, report = drift_report(tmp_path)
    html = path.read_text()
    assert "<title>Churn drift</title>" in html
    assert html.count("<tr") == len(report) + 1
    assert html.count("badge alert") == int(report["alert"].sum())
    images = re.findall(r'alt="([^"]+): reference vs current" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert sorted(title.split(" ")[0] for title, _ in images) == ["c", "x"]
    for _, data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG")
    assert list(tmp_path.joinpath("out").iterdir()) == [path]


def test_a_report_without_distributions_still_renders(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1000)
    frame = pd.DataFrame({"label": y, "prediction": np.where(rng.uniform(size=1000) < 0.9, y, 1 - y)})
    report = PerformanceMonitor().fit(frame).predict(frame.iloc[:200])
    html = render_report(report, tmp_path / "perf.html").read_text()
    assert "accuracy" in html and "data:image/png" not in html
    with pytest.raises(SchemaError, match="misses column"):
        render_report(report.drop(columns=["alert"]), tmp_path / "bad.html")


def test_log_report_puts_the_file_in_the_run_artifacts(tmp_path: Path, mlflow_store: str) -> None:
    from mlflow import MlflowClient

    from yotml_airflow.tracking._reports import log_report

    path, _ = drift_report(tmp_path)
    run_id = log_report(path)
    client = MlflowClient(tracking_uri=mlflow_store)
    assert [f.path for f in client.list_artifacts(run_id, "monitoring")] == ["monitoring/drift.html"]
    local = client.download_artifacts(run_id, "monitoring/drift.html", str(tmp_path / "dl"))
    assert Path(local).read_text() == path.read_text()
    assert log_report(path, run_id=run_id, artifact_path="again") == run_id
    with pytest.raises(TrackingError, match="does not exist"):
        log_report(path, run_id="0" * 32)
    with pytest.raises(ConfigError, match="no report file"):
        log_report(tmp_path / "missing.html")
