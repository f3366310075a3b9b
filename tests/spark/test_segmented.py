"""Distributed segmented fit and predict give what pandas gives, with the same policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from yotml_airflow.errors import ConfigError, SchemaError, SegmentError
from yotml_airflow.models import SegmentedModel, SklearnModel, load_model
from yotml_airflow.spark import fit_segmented, predict_segmented

pytestmark = pytest.mark.spark


def make_stores(n_stores: int = 12, rows: int = 25, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    slopes = rng.choice([-1.0, 1.0], n_stores) * rng.uniform(1.0, 3.0, n_stores)
    store = np.repeat(np.arange(n_stores), rows)
    x1, x2 = rng.normal(size=store.size), rng.normal(size=store.size)
    y = slopes[store] * x1 - x2 + rng.normal(scale=0.2, size=store.size)
    df = pd.DataFrame({"id": np.arange(store.size), "store": store, "x1": x1, "x2": x2, "y": y})
    tiny = pd.DataFrame(
        {"id": [10_000, 10_001], "store": [99, 99], "x1": [0.1, 0.2], "x2": [0.0, 1.0], "y": [9.0, 9.0]}
    )
    return pd.concat([df, tiny], ignore_index=True)


def linear() -> SklearnModel:
    return SklearnModel(LinearRegression(), features=["x1", "x2"], target="y")


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id").reset_index(drop=True)


@pytest.mark.parametrize("buckets", [3, None])
def test_spark_fit_and_predict_match_pandas(spark: Any, buckets: int | None) -> None:
    df = make_stores()
    sdf = spark.createDataFrame(df)
    model = SegmentedModel(linear(), "store", min_rows=5)
    distributed = fit_segmented(model, sdf, buckets=buckets)
    local = model.clone().fit(df)
    table = distributed.segment_table_.set_index("segment")
    assert table.loc[99, "status"] == "too_small" and (table["status"] == "fitted").sum() == 12
    query = pd.concat([df, pd.DataFrame({"id": [20_000], "store": [555], "x1": [1.0], "x2": [1.0], "y": [0.0]})])
    scored = by_id(
        predict_segmented(distributed, spark.createDataFrame(query), keep_columns=["id"], buckets=buckets).toPandas()
    )
    expected = local.predict(query.reset_index(drop=True))["prediction"].to_numpy()
    assert list(scored.columns) == ["id", "prediction"]
    np.testing.assert_allclose(scored["prediction"], expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(distributed.predict(query)["prediction"].to_numpy(), expected, rtol=1e-9, atol=1e-9)


def test_predict_from_a_saved_folder_shipped_with_addfile(spark: Any, tmp_path: Path) -> None:
    df = make_stores(n_stores=5, rows=20)
    path = SegmentedModel(linear(), "store").fit(df).save(tmp_path / "seg")
    out = predict_segmented(str(path), spark.createDataFrame(df), method="transform", distribute="addfile")
    assert [f.name for f in out.schema.fields] == ["id", "store", "x1", "x2", "y", "prediction"]
    got = by_id(out.toPandas())
    expected = load_model(path).transform(df)
    np.testing.assert_allclose(got["prediction"], expected["prediction"].to_numpy(), rtol=1e-9)


def test_spark_fit_records_failures_and_fails_past_the_ratio(spark: Any) -> None:
    df = make_stores(n_stores=4, rows=10)
    df.loc[df["store"] == 2, "x1"] = np.nan
    sdf = spark.createDataFrame(df)
    model = fit_segmented(SegmentedModel(linear(), "store", max_failure_ratio=0.5, fallback="error"), sdf)
    assert model.failures_["segment"].tolist() == [2]
    assert "NaN" in model.failures_["error"].iloc[0]
    with pytest.raises(SegmentError, match="1 of 5 segment fits failed"):
        fit_segmented(SegmentedModel(linear(), "store", max_failure_ratio=0.1, fallback="error"), sdf)


def test_bad_inputs_are_refused_before_a_job(spark: Any) -> None:
    sdf = spark.createDataFrame(make_stores(n_stores=2, rows=5))
    with pytest.raises(SchemaError, match="'shop'"):
        fit_segmented(SegmentedModel(linear(), "shop"), sdf)
    with pytest.raises(ConfigError, match="buckets"):
        fit_segmented(SegmentedModel(linear(), "store"), sdf, buckets=0)
    fitted = SegmentedModel(linear(), "store").fit(make_stores(n_stores=2, rows=5))
    with pytest.raises(SchemaError, match="x2"):
        predict_segmented(fitted, sdf.drop("x2"))
