"""Every built-in model passes ``check_model`` on the generated shop data (NaNs, outliers, strings, dates)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import (
    CHECKS,
    CategoryVocabulary,
    Clipper,
    DataCleaner,
    DateParts,
    DtypeCoercer,
    FrequencyEncoder,
    Imputer,
    Log1p,
    Model,
    ModelPipeline,
    OneHotEncoder,
    OrdinalEncoder,
    RatioFeature,
    SklearnModel,
    StandardScaler,
    TargetEncoder,
    check_model,
)

BUILTINS: list[Model] = [
    Imputer(),
    Imputer(columns=["avg_basket", "country"], strategy="median"),
    Imputer(strategy="constant", categorical_strategy="constant", fill_value=0),
    Clipper(),
    Clipper(columns=["total_spend", "sessions_30d"], method="iqr"),
    CategoryVocabulary(min_frequency=5),
    CategoryVocabulary(columns=["country"], max_categories=2, other="rest"),
    DtypeCoercer({"orders_count": "float64", "store_id": "string", "churned": "bool", "signup_date": "datetime64[us]"}),
    DtypeCoercer({"avg_basket": "string", "sessions_30d": "int64"}, errors="null"),
    DataCleaner(exclude=["customer_id", "churned"]),
    DataCleaner(columns=["total_spend", "country"], dtypes={"total_spend": "float64"}, clip="iqr", min_frequency=0.1),
    StandardScaler(),
    StandardScaler(columns=["days_since_last_order"], with_mean=False),
    OneHotEncoder(columns=["channel", "device"]),
    OneHotEncoder(min_frequency=10, drop=False),
    OrdinalEncoder(columns=["country"]),
    OrdinalEncoder(suffix="_code", unknown_value=-9),
    DateParts(),
    DateParts(columns=["signup_date"], parts=["year", "quarter", "is_weekend"], reference="2025-06-01", drop=True),
    Log1p(columns=["total_spend"]),
    Log1p(suffix="_log"),
    RatioFeature("total_spend", "orders_count"),
    RatioFeature("returns_rate", "discount_share", name="r", fill_value=0.0),
    FrequencyEncoder(),
    TargetEncoder(columns=["store_id", "country"], target="churned"),
    SklearnModel(LogisticRegression(max_iter=300), features=["orders_count", "sessions_30d"], target="churned"),
    SklearnModel(
        RandomForestRegressor(n_estimators=5, random_state=0), features=["orders_count"], target="total_spend"
    ),
    ModelPipeline(
        [
            DataCleaner(exclude=["customer_id", "churned"]),
            OneHotEncoder(columns=["channel"]),
            StandardScaler(columns=["total_spend"]),
            SklearnModel(LogisticRegression(max_iter=300), features=["total_spend", "channel_app"], target="churned"),
        ]
    ),
]


@pytest.mark.parametrize("model", BUILTINS, ids=lambda m: f"{type(m).__name__}-{BUILTINS.index(m)}")
def test_builtin_passes_check_model(model: Model, shop: pd.DataFrame) -> None:
    assert check_model(model, shop) == list(CHECKS)
    assert not model.is_fitted(), "check_model must work on clones, not on the model passed in"
