"""The generated shop data: deterministic, realistic dirt, drift, and store-specific churn behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from yotml_airflow.datasets import CATEGORICAL_FEATURES, NUMERIC_FEATURES, make_ecommerce, shift_batch
from yotml_airflow.errors import ConfigError
from yotml_airflow.models import DataCleaner, Log1p, ModelPipeline, OneHotEncoder, StandardScaler

IDS = ["store_id", "customer_id", "snapshot_date", "signup_date", "churned"]


def test_shape_dtypes_and_determinism() -> None:
    df = make_ecommerce(n_stores=4, customers_per_store=50, seed=3)
    assert len(df) == 200 and df["store_id"].nunique() == 4 and df["customer_id"].is_unique
    assert df.groupby("store_id").size().tolist() == [50] * 4
    dtypes = df.dtypes.astype(str).to_dict()
    assert dtypes["store_id"] == dtypes["country"] == "str"
    assert dtypes["signup_date"] == "datetime64[us]" and dtypes["orders_count"] == "int64"
    assert set(df["churned"].unique()) == {0, 1}
    pd.testing.assert_frame_equal(df, make_ecommerce(n_stores=4, customers_per_store=50, seed=3))
    assert not df.equals(make_ecommerce(n_stores=4, customers_per_store=50, seed=4))
    assert set(NUMERIC_FEATURES) | set(CATEGORICAL_FEATURES) | set(IDS) == set(df.columns)


def test_nulls_and_outliers_are_injected() -> None:
    df = make_ecommerce(n_stores=5, customers_per_store=200, seed=0)
    for column in ("avg_basket", "days_since_last_order", "returns_rate", *CATEGORICAL_FEATURES):
        assert 0.01 < df[column].isna().mean() < 0.06, column
    assert df["orders_count"].notna().all() and df["churned"].notna().all()
    spend = df["total_spend"]
    assert spend.max() > 10 * spend.quantile(0.99) / 2 and (spend > spend.quantile(0.75) * 10).sum() >= 3
    assert df["sessions_30d"].max() > 100
    clean = make_ecommerce(n_stores=5, customers_per_store=200, seed=0, nan_rate=0.0, outlier_rate=0.0)
    assert not clean.isna().any().any() and clean["sessions_30d"].max() < 100


def test_new_day_batch_drifts_and_brings_unseen_categories() -> None:
    base = make_ecommerce(n_stores=5, customers_per_store=200, seed=0)
    same = make_ecommerce(n_stores=5, customers_per_store=200, seed=0, day=1)
    drifted = make_ecommerce(n_stores=5, customers_per_store=200, seed=0, day=1, drift=1.0)
    assert set(base["customer_id"]).isdisjoint(drifted["customer_id"])
    assert (drifted["snapshot_date"] == base["snapshot_date"] + pd.Timedelta(days=1)).all()
    assert abs(same["days_since_last_order"].median() / base["days_since_last_order"].median() - 1) < 0.15
    assert drifted["days_since_last_order"].median() > 1.6 * base["days_since_last_order"].median()
    assert {"BR"} <= set(drifted["country"].dropna()) and "BR" not in set(base["country"].dropna())
    assert "tiktok" in set(drifted["channel"].dropna())
    assert (drifted["channel"] == "social").mean() > (base["channel"] == "social").mean() + 0.2


def test_shift_batch_moves_floats_and_adds_unseen_values() -> None:
    df = make_ecommerce(n_stores=2, customers_per_store=100, seed=1)
    shifted = shift_batch(df, drift=1.0, seed=5)
    for column in ("total_spend", "avg_basket", "returns_rate"):
        assert shifted[column].mean() == pytest.approx(df[column].mean() + df[column].std(ddof=0))
    assert (shifted["channel"] == "unseen").mean() > 0.1
    assert shifted["channel"].isna().equals(df["channel"].isna())
    pd.testing.assert_series_equal(shifted["churned"], df["churned"])
    pd.testing.assert_frame_equal(shift_batch(df, drift=0.0), df)
    with pytest.raises(ConfigError, match="drift"):
        shift_batch(df, drift=-1)


def test_bad_arguments_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="positive ints"):
        make_ecommerce(n_stores=0)
    with pytest.raises(ConfigError, match="nan_rate"):
        make_ecommerce(nan_rate=1.5)


def _features(train: pd.DataFrame) -> ModelPipeline:
    return ModelPipeline(
        [
            DataCleaner(exclude=IDS),
            Log1p(columns=["total_spend", "avg_basket", "days_since_last_order", "sessions_30d"]),
            OneHotEncoder(columns=list(CATEGORICAL_FEATURES)),
            StandardScaler(columns=list(NUMERIC_FEATURES)),
        ]
    ).fit(train)


def _fit_score(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    features = _features(train)
    x_train, x_test = features.transform(train), features.transform(test)
    columns = [c for c in x_train.columns if c not in IDS]
    model = LogisticRegression(max_iter=1000).fit(x_train[columns], train["churned"])
    return model.predict_proba(x_test[columns])[:, 1]  # type: ignore[no-any-return]


def test_per_store_models_beat_one_global_model() -> None:
    train = make_ecommerce(n_stores=5, customers_per_store=150, seed=11)
    test = make_ecommerce(n_stores=5, customers_per_store=150, seed=11, day=1)
    global_auc = roc_auc_score(test["churned"], _fit_score(train, test))
    per_store = pd.Series(0.0, index=test.index)
    for store, rows in train.groupby("store_id"):
        mask = test["store_id"] == store
        per_store[mask] = _fit_score(rows, test[mask])
    store_auc = roc_auc_score(test["churned"], per_store)
    assert store_auc > global_auc + 0.08, (store_auc, global_auc)
