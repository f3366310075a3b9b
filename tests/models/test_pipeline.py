"""``ModelPipeline``: each step fitted on the previous steps' output; itself a model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models import (
    CategoryVocabulary,
    DataCleaner,
    DateParts,
    Imputer,
    Log1p,
    ModelPipeline,
    OneHotEncoder,
    SklearnModel,
    StandardScaler,
    dtypes_of,
)

ID_COLUMNS = ["store_id", "customer_id", "snapshot_date", "churned"]

NUMERIC = ["total_spend", "avg_basket", "days_since_last_order", "returns_rate", "discount_share", "sessions_30d"]


def _churn_pipeline() -> ModelPipeline:
    return ModelPipeline(
        [
            ("clean", DataCleaner(exclude=ID_COLUMNS, min_frequency=5)),
            ("dates", DateParts(columns=["signup_date"], parts=["days_since"], drop=True)),
            ("log", Log1p(columns=["total_spend", "days_since_last_order"])),
            ("onehot", OneHotEncoder(columns=["channel", "device"])),
            ("scale", StandardScaler(columns=[*NUMERIC, "signup_date_days_since"])),
            (
                "model",
                SklearnModel(
                    LogisticRegression(max_iter=500),
                    features=[*NUMERIC, "signup_date_days_since", "channel_app", "channel_web", "device_mobile"],
                    target="churned",
                ),
            ),
        ]
    )


def test_fit_transform_predict_chain_the_steps(shop: pd.DataFrame, shop_next_day: pd.DataFrame) -> None:
    pipe = _churn_pipeline().fit(shop)
    assert all(not step.is_fitted() for _, step in pipe.steps), "the configured steps stay unfitted"
    predictions = pipe.predict(shop_next_day)
    assert list(predictions.columns) == ["prediction", "proba_0", "proba_1"]
    assert predictions.index.equals(shop_next_day.index)

    manual = shop_next_day
    for step in pipe.steps_[:-1]:
        manual = step.transform(manual)
    pd.testing.assert_frame_equal(predictions, pipe.steps_[-1].predict(manual))
    assert pipe.steps_[3].categories_["channel"] == sorted(pipe.steps_[0].transform(shop)["channel"].unique())

    transformed = pipe.transform(shop_next_day)
    assert {"prediction", "proba_1", "channel_app", "signup_date_days_since"} <= set(transformed.columns)
    assert "signup_date" not in transformed.columns
    assert list(transformed.columns) == list(pipe.transform_schema(dtypes_of(shop_next_day)))
    assert roc_auc_score(shop["churned"], pipe.predict(shop)["proba_1"]) > 0.6


def test_pipeline_requires_only_columns_no_step_creates(shop: pd.DataFrame) -> None:
    pipe = _churn_pipeline().fit(shop)
    assert set(pipe.input_schema) == set(shop.columns) - set(ID_COLUMNS)
    pipe.predict(shop.drop(columns=["customer_id"]))
    with pytest.raises(SchemaError, match="'returns_rate'"):
        pipe.predict(shop.drop(columns=["returns_rate"]))


def test_transform_only_pipeline_fills_and_buckets(shop_next_day: pd.DataFrame, shop: pd.DataFrame) -> None:
    pipe = ModelPipeline([Imputer(columns=["country"]), CategoryVocabulary(columns=["country"], min_frequency=20)])
    out = pipe.fit(shop).transform(shop_next_day)
    assert not out["country"].isna().any()
    counts = Imputer(columns=["country"]).fit_transform(shop)["country"].value_counts()
    assert set(out["country"]) <= set(counts[counts >= 20].index) | {"other"}
    np.testing.assert_array_equal(pipe.predict(shop_next_day)["country"], out["country"])


def test_bad_steps_are_config_errors(shop: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="at least one step"):
        ModelPipeline([]).fit(shop)
    with pytest.raises(ConfigError, match="must be yotml Models"):
        ModelPipeline([LogisticRegression()]).fit(shop)  # type: ignore[list-item]
