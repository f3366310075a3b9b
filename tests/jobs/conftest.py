"""Helpers for the job tests: run a job in-process (on the shared Spark session) and read its result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yotml_airflow.jobs._main import main


@pytest.fixture()
def run_job(spark, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """``run_job(job, *args) -> (exit code, result dict or None, stderr)`` on the shared session."""

    def _run(job: str, *args: str) -> tuple[int, dict | None, str]:
        result_path = tmp_path / f"result-{job}.json"
        result_path.unlink(missing_ok=True)
        code = main([job, *args, "--result-path", str(result_path)])
        err = capsys.readouterr().err
        result = json.loads(result_path.read_text()) if result_path.exists() else None
        return code, result, err

    return _run
