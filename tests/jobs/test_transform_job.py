"""The transform job: reads, scores, writes atomically; user errors are one line on stderr, before any work."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyspark import cloudpickle
from sklearn.linear_model import LinearRegression

import yotml_airflow.jobs as jobs_pkg
from yotml_airflow.models import SklearnModel

cloudpickle.register_pickle_by_value(sys.modules[__name__])


class FailingModel(SklearnModel):
    """Scores like its parent on the driver but fails inside the Spark workers."""

    def _predict(self, df):
        raise RuntimeError("the scoring failed half way")


def _data(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    return pd.DataFrame({"id": np.arange(n), "x": x, "y": 2 * x + 1, "city": pd.Series(["a", "b"] * (n // 2))})


@pytest.fixture()
def workspace(tmp_path: Path) -> dict[str, Path]:
    df = _data()
    df.to_parquet(tmp_path / "input.parquet")
    model = SklearnModel(LinearRegression(), features=["x"], target="y").fit(df)
    FailingModel(LinearRegression(), features=["x"], target="y").fit(df).save(tmp_path / "failing")
    return {"input": tmp_path / "input.parquet", "model": model.save(tmp_path / "model"), "root": tmp_path}


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_transform_writes_scores_and_a_rerun_leaves_exactly_one_copy(run_job, workspace):
    out = workspace["root"] / "out" / "scores"
    args = ["--model", str(workspace["model"]), "--input", str(workspace["input"]), "--output", str(out)]
    code, result, err = run_job("transform", *args, "--keep-columns", "id")
    assert (code, err) == (0, "")
    assert result["rows"] == 50 and result["output"] == str(out) and result["format"] == "parquet"
    scores = pd.read_parquet(out).sort_values("id").reset_index(drop=True)
    assert list(scores.columns) == ["id", "prediction"]
    assert np.allclose(scores["prediction"], 2 * _data()["x"] + 1)
    parts = sorted(p.name for p in out.glob("part-*"))
    code, result, _ = run_job("transform", *args, "--keep-columns", "id")
    assert code == 0 and result["rows"] == 50
    assert _siblings(out.parent) == ["scores"]
    assert len(list(out.glob("part-*"))) == len(parts)
    assert len(pd.read_parquet(out)) == 50


def test_a_failing_job_leaves_the_previous_output_untouched(run_job, workspace):
    out = workspace["root"] / "scores"
    args = ["--input", str(workspace["input"]), "--output", str(out)]
    assert run_job("transform", "--model", str(workspace["model"]), *args)[0] == 0
    before = pd.read_parquet(out)
    with pytest.raises(Exception, match="the scoring failed half way"):
        run_job("transform", "--model", str(workspace["root"] / "failing"), *args)
    pd.testing.assert_frame_equal(pd.read_parquet(out), before)
    assert [n for n in _siblings(workspace["root"]) if "yotml" in n] == []


def test_mode_error_refuses_an_existing_output_before_any_work(run_job, workspace):
    out = workspace["root"] / "scores"
    out.mkdir()
    args = ["--model", str(workspace["model"]), "--input", str(workspace["input"]), "--output", str(out)]
    code, result, err = run_job("transform", *args, "--mode", "error")
    assert code == 1 and result is None
    assert err.strip() == f"yotml transform: error: output {out} already exists and --mode is error; " + (
        "use --mode overwrite to replace it"
    )


def test_schema_mismatch_fails_before_any_work_naming_the_column(run_job, workspace):
    bad = workspace["root"] / "bad.parquet"
    _data().drop(columns="x").to_parquet(bad)
    out = workspace["root"] / "scores"
    code, result, err = run_job(
        "transform", "--model", str(workspace["model"]), "--input", str(bad), "--output", str(out)
    )
    assert code == 2 and result is None
    assert err.count("\n") == 1 and "missing required column(s) ['x']" in err
    assert not out.exists()


def test_csv_input_and_table_output_replaced_on_rerun(spark, run_job, workspace):
    csv = workspace["root"] / "input.csv"
    _data().to_csv(csv, index=False)
    first, second = f"scores_{uuid.uuid4().hex[:8]}", f"scores_{uuid.uuid4().hex[:8]}"
    model = ["--model", str(workspace["model"])]
    try:
        args = [*model, "--input", str(csv), "--input-format", "csv", "--output", first, "--output-format", "table"]
        code, result, _ = run_job("transform", *args, "--method", "transform")
        assert code == 0 and result["rows"] == 50
        assert spark.table(first).columns == ["id", "x", "y", "city", "prediction"]
        for _ in range(2):
            code, _, _ = run_job(
                "transform",
                *model,
                "--input",
                first,
                "--input-format",
                "table",
                "--output",
                second,
                "--output-format",
                "table",
                "--keep-columns",
                "id",
            )
            assert code == 0
        assert spark.table(second).columns == ["id", "prediction"] and spark.table(second).count() == 50
        assert [t.name for t in spark.catalog.listTables() if "yotml_tmp" in t.name] == []
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {first}")
        spark.sql(f"DROP TABLE IF EXISTS {second}")


def test_bad_arguments_exit_non_zero_with_one_line_and_no_traceback(workspace):
    """In a real process: errors found before Spark starts are one line on stderr, no traceback."""
    env = {**os.environ}
    base = [sys.executable, "-m", "yotml_airflow.jobs", "transform"]
    cases = {
        "input": ([*base, "--model", str(workspace["model"]), "--input", "/no/such.parquet", "--output", "/tmp/o"], 1),
        "model": ([*base, "--model", "/no/model", "--input", str(workspace["input"]), "--output", "/tmp/o"], 1),
        "uri": ([*base, "--model", "s3://x/y", "--input", str(workspace["input"]), "--output", "/tmp/o"], 2),
        "args": ([*base, "--model", str(workspace["model"])], 2),
    }
    for name, (argv, expected) in cases.items():
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == expected, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, (name, proc.stderr)
        assert proc.stderr.startswith("yotml transform: error:"), name
    assert (
        "input /no/such.parquet does not exist"
        in subprocess.run(cases["input"][0], capture_output=True, text=True).stderr
    )


def test_the_job_runs_under_spark_submit(workspace):
    entry = Path(jobs_pkg.__file__).with_name("entrypoint.py")
    submit = Path(sys.executable).with_name("spark-submit")
    out = workspace["root"] / "submitted"
    result = workspace["root"] / "result.json"
    proc = subprocess.run(
        [
            str(submit),
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            str(entry),
            "transform",
            "--model",
            str(workspace["model"]),
            "--input",
            str(workspace["input"]),
            "--output",
            str(out),
            "--keep-columns",
            "id",
            "--result-path",
            str(result),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '"rows": 50' in result.read_text()
    assert len(pd.read_parquet(out)) == 50
