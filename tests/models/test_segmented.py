"""SegmentedModel on pandas: routing, policies, failures, packed lazy storage, per-store accuracy."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from yotml_airflow.errors import ConfigError, ModelIntegrityError, SchemaError, SegmentError
from yotml_airflow.models import CHECKS, Model, ModelPipeline, SegmentedModel, SklearnModel, check_model, load_model


def make_stores(n_stores: int = 6, rows: int = 40, seed: int = 0) -> pd.DataFrame:
    """Stores whose target responds to ``x1`` with opposite signs (and different strengths)."""
    rng = np.random.default_rng(seed)
    slopes = rng.choice([-1.0, 1.0], n_stores) * rng.uniform(2.0, 4.0, n_stores)
    store = np.repeat(np.arange(n_stores), rows)
    x1, x2 = rng.normal(size=store.size), rng.normal(size=store.size)
    y = slopes[store] * x1 + 0.5 * x2 + rng.normal(scale=0.3, size=store.size)
    df = pd.DataFrame({"store": [f"s{i}" for i in store], "x1": x1, "x2": x2, "y": y})
    return df.sample(frac=1.0, random_state=seed)


def linear() -> SklearnModel:
    return SklearnModel(LinearRegression(), features=["x1", "x2"], target="y")


class CountingModel(Model):
    """Predicts a per-segment mean of y; counts predict calls; fit raises when y holds -999."""

    predict_calls = 0

    def __init__(self, target: str = "y"):
        self.target = target

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return [self.target]

    def _fit(self, df: pd.DataFrame) -> None:
        if (df[self.target] == -999).any():
            raise ValueError("poisoned segment")
        self.mean_ = float(df[self.target].mean())

    def output_columns(self) -> dict[str, str]:
        return {"prediction": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        type(self).predict_calls += 1
        return pd.DataFrame({"prediction": self.mean_}, index=df.index)


def test_per_store_models_beat_one_global_model_on_held_out_rows() -> None:
    df = make_stores(n_stores=8, rows=60, seed=1)
    train, test = df.iloc[: len(df) * 3 // 4], df.iloc[len(df) * 3 // 4 :]
    segmented = SegmentedModel(linear(), "store").fit(train)
    global_model = linear().fit(train)
    mse_seg = float(((segmented.predict(test)["prediction"] - test["y"]) ** 2).mean())
    mse_global = float(((global_model.predict(test)["prediction"] - test["y"]) ** 2).mean())
    assert mse_seg < 0.2 * mse_global
    assert mse_seg < 0.5


def test_predict_routes_each_row_to_its_segment_and_keeps_index_and_order() -> None:
    df = make_stores()
    model = SegmentedModel(linear(), "store").fit(df)
    query = df.iloc[::3].copy()
    query.index = [f"r{i}" for i in range(len(query))]
    out = model.predict(query)
    assert list(out.index) == list(query.index)
    for store, rows in query.groupby("store"):
        expected = model.segment_model(store).predict(rows.drop(columns="store"))["prediction"]
        np.testing.assert_allclose(out.loc[rows.index, "prediction"], expected)
    assert model.input_schema == {"store": "string", "x1": "numeric", "x2": "numeric"}


def test_transform_adds_predictions_and_keeps_the_segment_column() -> None:
    df = make_stores()
    model = SegmentedModel(linear(), "store").fit(df)
    out = model.transform(df)
    assert list(out.columns) == ["store", "x1", "x2", "y", "prediction"]
    assert out.index.equals(df.index)
    assert out["store"].tolist() == df["store"].tolist()
    np.testing.assert_allclose(out["prediction"], model.predict(df)["prediction"])


def test_too_small_and_unseen_segments_use_the_global_model() -> None:
    df = pd.concat([make_stores(), pd.DataFrame({"store": ["tiny"] * 3, "x1": 0.0, "x2": 1.0, "y": 100.0})])
    model = SegmentedModel(linear(), "store", min_rows=5).fit(df)
    table = model.segment_table_.set_index("segment")
    assert table.loc["tiny", "status"] == "too_small" and table.loc["tiny", "rows"] == 3
    query = pd.DataFrame({"store": ["tiny", "never_seen", None], "x1": [0.5, 0.5, 0.5], "x2": [1.0, 1.0, 1.0]})
    expected = linear().fit(df.drop(columns="store")).predict(query.drop(columns="store"))["prediction"]
    np.testing.assert_allclose(model.predict(query)["prediction"], expected)


def test_a_given_fitted_fallback_serves_unseen_segments_on_the_full_frame() -> None:
    df = make_stores()
    given = CountingModel().fit(pd.DataFrame({"y": [7.0, 9.0]}))
    model = SegmentedModel(linear(), "store", fallback=given).fit(df)
    out = model.predict(pd.DataFrame({"store": ["s0", "zz"], "x1": [1.0, 1.0], "x2": [0.0, 0.0], "y": [0.0, 0.0]}))
    assert out["prediction"].iloc[1] == 8.0
    assert out["prediction"].iloc[0] != 8.0
    with pytest.raises(ConfigError, match="already be fitted"):
        SegmentedModel(linear(), "store", fallback=CountingModel()).fit(df)


def test_error_policy_names_unseen_and_untrained_segments_before_any_prediction() -> None:
    df = pd.DataFrame({"store": ["a"] * 4 + ["b"] * 2, "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    model = SegmentedModel(CountingModel(), "store", min_rows=3, fallback="error").fit(df)
    CountingModel.predict_calls = 0
    with pytest.raises(SegmentError) as info:
        model.predict(pd.DataFrame({"store": ["a", "b", "new1", "new2"], "y": 0.0}))
    message = str(info.value)
    assert "unseen at fit ['new1', 'new2']" in message and "without a model" in message and "'b'" in message
    assert CountingModel.predict_calls == 0
    assert model.predict(pd.DataFrame({"store": ["a"], "y": [0.0]}))["prediction"].tolist() == [2.5]


def test_a_failing_segment_is_recorded_and_served_by_the_fallback() -> None:
    df = pd.DataFrame({"store": ["a", "a", "b", "b", "c", "c"], "y": [1.0, 3.0, -999.0, 1.0, 5.0, 7.0]})
    given = CountingModel().fit(pd.DataFrame({"y": [0.0]}))
    model = SegmentedModel(CountingModel(), "store", max_failure_ratio=0.5, fallback=given).fit(df)
    assert model.predict(pd.DataFrame({"store": ["b", "c"], "y": 0.0}))["prediction"].tolist() == [0.0, 6.0]
    assert model.failures_.to_dict("records") == [{"segment": "b", "error": "ValueError: poisoned segment"}]
    assert model.segment_table_.set_index("segment")["status"].to_dict() == {
        "a": "fitted",
        "b": "failed",
        "c": "fitted",
    }
    with pytest.raises(SegmentError, match="1 of 3 segment fits failed"):
        SegmentedModel(CountingModel(), "store", max_failure_ratio=0.2, fallback="error").fit(df)


def test_fit_fails_with_a_summary_past_the_failure_ratio() -> None:
    df = pd.DataFrame({"store": ["a", "a", "b", "b"], "y": [1.0, -999.0, -999.0, 1.0]})
    with pytest.raises(SegmentError, match=r"2 of 2 segment fits failed \(100.0%.*'a': ValueError: poisoned"):
        SegmentedModel(CountingModel(), "store", max_failure_ratio=0.9).fit(df)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"min_rows": 0}, ConfigError),
        ({"fallback": "nearest"}, ConfigError),
        ({"max_failure_ratio": 1.5}, ConfigError),
        ({"segment_col": "nope"}, SchemaError),
    ],
)
def test_bad_parameters_are_refused_before_fitting(kwargs: dict, error: type) -> None:
    params = {"base": linear(), "segment_col": "store", **kwargs}
    with pytest.raises(error):
        SegmentedModel(**params).fit(make_stores())


def test_packed_round_trip_is_lazy_and_hash_checked(tmp_path: Path) -> None:
    df = make_stores(n_stores=30, rows=10)
    model = SegmentedModel(linear(), "store", min_rows=5).fit(df)
    path = model.save(tmp_path / "seg")
    shards = list((path / "shards").glob("*.arrow"))
    assert 1 <= len(shards) < 30
    loaded = load_model(path)
    assert isinstance(loaded, SegmentedModel)
    assert loaded.store_.unpickled == 0
    one = df[df["store"] == "s7"]
    np.testing.assert_allclose(loaded.predict(one)["prediction"], model.predict(one)["prediction"])
    assert loaded.store_.unpickled == 1
    pd.testing.assert_frame_equal(loaded.predict(df), model.predict(df))
    pd.testing.assert_frame_equal(loaded.segment_table_, model.segment_table_, check_dtype=False)
    clone = pickle.loads(pickle.dumps(loaded))
    pd.testing.assert_frame_equal(clone.predict(df), model.predict(df))
    data = bytearray(shards[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    shards[0].write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="shard"):
        load_model(path)


def test_a_shard_not_listed_in_the_manifest_is_refused(tmp_path: Path) -> None:
    path = SegmentedModel(linear(), "store").fit(make_stores(n_stores=3, rows=10)).save(tmp_path / "seg")
    (path / "shards" / "shard-00001.arrow").write_bytes((path / "shards" / "shard-00000.arrow").read_bytes())
    with pytest.raises(ModelIntegrityError, match="does not list"):
        load_model(path)


def test_cache_keeps_at_most_cache_size_models() -> None:
    df = make_stores(n_stores=5, rows=10)
    model = SegmentedModel(linear(), "store", cache_size=2).fit(df)
    model.predict(df)
    assert model.store_.unpickled == 5
    last_two = list(pd.unique(df["store"]))[-2:]
    model.predict(df[df["store"].isin(last_two)])
    assert model.store_.unpickled == 5


def test_a_pipeline_base_is_fit_per_segment() -> None:
    df = make_stores(n_stores=3, rows=20)
    pipeline = ModelPipeline([linear()])
    model = SegmentedModel(pipeline, "store").fit(df)
    assert isinstance(model.segment_model("s1"), ModelPipeline)
    np.testing.assert_allclose(
        model.predict(df)["prediction"], SegmentedModel(linear(), "store").fit(df).predict(df)["prediction"]
    )
    assert not model.clone().is_fitted()


def test_segmented_model_passes_the_model_conformance_checks() -> None:
    assert check_model(SegmentedModel(linear(), "store"), make_stores(n_stores=3, rows=6)) == list(CHECKS)


def test_per_store_churn_models_beat_a_global_model_on_a_new_day_of_make_ecommerce() -> None:
    from sklearn.linear_model import LogisticRegression

    from yotml_airflow.datasets import NUMERIC_FEATURES, make_ecommerce
    from yotml_airflow.models import Imputer, StandardScaler

    features = list(NUMERIC_FEATURES)

    def base() -> ModelPipeline:
        classifier = SklearnModel(LogisticRegression(max_iter=500), features=features, target="churned")
        return ModelPipeline([Imputer(columns=features), StandardScaler(columns=features), classifier])

    train = make_ecommerce(n_stores=4, customers_per_store=250, seed=0)
    test = make_ecommerce(n_stores=4, customers_per_store=250, seed=0, day=1)
    y = test["churned"].to_numpy()

    def log_loss(model: Model) -> float:
        p = np.clip(model.predict(test)["proba_1"].to_numpy(), 1e-6, 1 - 1e-6)
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())

    segmented = SegmentedModel(base(), "store_id", min_rows=50).fit(train)
    assert (segmented.segment_table_["status"] == "fitted").all()
    assert log_loss(segmented) < 0.9 * log_loss(base().fit(train))
