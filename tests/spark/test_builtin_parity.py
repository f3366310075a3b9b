"""Every built-in model gives on Spark (batch_transform) exactly what it gives on pandas, dtypes included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import (
    CategoryVocabulary,
    Clipper,
    DataCleaner,
    DateParts,
    DtypeCoercer,
    FrequencyEncoder,
    Imputer,
    Log1p,
    ModelPipeline,
    OneHotEncoder,
    OrdinalEncoder,
    RatioFeature,
    SklearnModel,
    StandardScaler,
    TargetEncoder,
    check_model,
)
from yotml_airflow.spark import check_spark_parity, spark_parity_check


def _customers(n: int = 48, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 50.0, size=n)
    spend[::9] = np.nan
    spend[5] = 5000.0
    return pd.DataFrame(
        {
            "customer_id": np.arange(n, dtype="int64"),
            "spend": spend,
            "visits": rng.integers(1, 20, size=n).astype("int64"),
            "city": pd.Series(rng.choice(["paris", "lyon", "nice", None], size=n), dtype="str"),
            "signup": pd.Series(
                pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 600, size=n), unit="D")
            ).astype("datetime64[us]"),
            "churned": rng.integers(0, 2, size=n).astype("int64"),
        }
    )


BUILTINS = {
    "Imputer": lambda: Imputer(),
    "Clipper": lambda: Clipper(columns=["spend", "visits"]),
    "CategoryVocabulary": lambda: CategoryVocabulary(columns=["city"]),
    "DtypeCoercer": lambda: DtypeCoercer({"visits": "float64", "customer_id": "string"}),
    "DataCleaner": lambda: DataCleaner(exclude=["customer_id", "churned"]),
    "StandardScaler": lambda: StandardScaler(columns=["spend", "visits"]),
    "OneHotEncoder": lambda: OneHotEncoder(columns=["city"]),
    "OrdinalEncoder": lambda: OrdinalEncoder(columns=["city"]),
    "DateParts": lambda: DateParts(columns=["signup"], reference="2025-01-01"),
    "Log1p": lambda: Log1p(columns=["spend"]),
    "RatioFeature": lambda: RatioFeature("spend", "visits"),
    "FrequencyEncoder": lambda: FrequencyEncoder(columns=["city"]),
    "TargetEncoder": lambda: TargetEncoder(columns=["city"], target="churned"),
    "SklearnModel": lambda: SklearnModel(LogisticRegression(), features=["visits"], target="churned"),
    "ModelPipeline": lambda: ModelPipeline(
        [
            DataCleaner(exclude=["customer_id", "churned"]),
            OneHotEncoder(columns=["city"]),
            DateParts(columns=["signup"], reference="2025-01-01", drop=True),
            StandardScaler(columns=["spend", "visits"]),
            SklearnModel(LogisticRegression(), features=["spend", "visits", "signup_days_since"], target="churned"),
        ]
    ),
}


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_model_parity(spark, name):
    df = _customers()
    model = BUILTINS[name]().fit(df)
    checked = check_spark_parity(model, df, spark)
    assert "transform" in checked


def test_check_model_gains_the_spark_parity_check(spark):
    model = ModelPipeline(
        [Imputer(), SklearnModel(LogisticRegression(), features=["spend", "visits"], target="churned")]
    )
    passed = check_model(model, _customers(), extra_checks={"spark_parity": spark_parity_check(spark)})
    assert "spark_parity" in passed


def test_every_exported_model_is_covered():
    from yotml_airflow import models

    exported = {
        name
        for name in models.__all__
        if isinstance(getattr(models, name), type) and issubclass(getattr(models, name), models.Model)
    }
    assert exported - {"Model"} <= set(BUILTINS), sorted(exported - {"Model"} - set(BUILTINS))
