"""A SegmentedModel is ONE MLflow model version (a routing pyfunc) with its per-segment table as an artifact."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pandas.testing as pdt
from sklearn.linear_model import LinearRegression

from yotml_airflow.models import SegmentedModel, SklearnModel
from yotml_airflow.tracking import load_model, log_model


def make_stores(n_stores: int = 40, rows: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    store = np.repeat(np.arange(n_stores), rows)
    x = rng.normal(size=store.size)
    y = np.where(store % 2 == 0, 2.0, -2.0) * x + rng.normal(scale=0.1, size=store.size)
    return pd.DataFrame({"store": [f"s{i}" for i in store], "x": x, "y": y})


def test_segmented_model_logs_as_one_version_and_loads_lazily(mlflow_store: str) -> None:
    df = make_stores()
    model = SegmentedModel(SklearnModel(LinearRegression(), features=["x"], target="y"), "store").fit(df)
    info = log_model(model, "per_store", data=df, artifacts={"segments": model.segment_table_})
    assert info.version == 1
    versions = mlflow.MlflowClient().search_model_versions("name='per_store'")
    assert len(versions) == 1 and len(mlflow.search_runs(search_all_experiments=True)) == 1

    loaded = load_model(info.model_uri)
    assert isinstance(loaded, SegmentedModel)
    assert len(loaded.store_) == 40 and loaded.store_.unpickled == 0
    one = df[df["store"] == "s3"]
    pdt.assert_frame_equal(loaded.predict(one), model.predict(one))
    assert loaded.store_.unpickled == 1

    pdt.assert_frame_equal(mlflow.pyfunc.load_model(info.model_uri).predict(df), model.predict(df))
    table = pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=info.run_id, artifact_path="segments.parquet"))
    assert table["segment"].tolist() == model.segment_table_["segment"].tolist()
    stored = Path(mlflow.artifacts.download_artifacts(f"{info.model_uri}/artifacts/yotml_model"))
    assert len(list((stored / "shards").iterdir())) == 1
