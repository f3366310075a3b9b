"""The segmented_fit job: one model per segment on Spark, one MLflow version, counts in the result."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from yotml_airflow.tracking import load_model as load_tracked

SPEC = "yotml_airflow.models:SklearnModel"
PARAMS = {
    "estimator": {"spec": "sklearn.linear_model:LinearRegression"},
    "features": ["x"],
    "target": "y",
}


def _segments() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for store, slope, n in (("a", 1.0, 60), ("b", -2.0, 60), ("c", 5.0, 60), ("tiny", 9.0, 3)):
        x = rng.normal(size=n)
        parts.append(pd.DataFrame({"store": store, "x": x, "y": slope * x}))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.spark
def test_fits_each_segment_and_registers_one_version(run_job, mlflow_store: str, tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    _segments().to_parquet(path)
    code, result, err = run_job(
        "segmented_fit", "--input", str(path), "--model-spec", SPEC, "--params", json.dumps(PARAMS),
        "--segment-col", "store", "--min-rows", "10", "--register-name", "per_store", "--buckets", "2",
    )  # fmt: skip
    assert code == 0, err
    assert result["name"] == "per_store" and result["version"] == 1
    assert result["segments_total"] == 4
    assert result["segments_fitted"] == 3
    assert result["segments_too_small"] == 1
    assert result["segments_failed"] == 0 and result["failed"] == []
    model = load_tracked(result["model_uri"])
    scored = model.predict(pd.DataFrame({"store": ["a", "b", "c"], "x": [1.0, 1.0, 1.0]}))
    assert np.allclose(scored["prediction"].to_numpy(), [1.0, -2.0, 5.0])


@pytest.mark.spark
def test_missing_segment_column_is_a_one_line_error(run_job, mlflow_store: str, tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    _segments().to_parquet(path)
    code, result, err = run_job(
        "segmented_fit", "--input", str(path), "--model-spec", SPEC, "--params", json.dumps(PARAMS),
        "--segment-col", "region", "--register-name", "per_store",
    )  # fmt: skip
    assert code == 2 and result is None
    assert "segment column 'region' is missing" in err
