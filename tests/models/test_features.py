"""What the feature models learn at fit and apply later: scaling, encoders, date parts, log and ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models import (
    DateParts,
    FrequencyEncoder,
    Log1p,
    OneHotEncoder,
    OrdinalEncoder,
    RatioFeature,
    StandardScaler,
    TargetEncoder,
)


def test_standard_scaler_learns_mean_and_std_on_diabetes(diabetes: pd.DataFrame) -> None:
    train, test = diabetes.iloc[:300], diabetes.iloc[300:]
    model = StandardScaler(columns=["bmi", "target"]).fit(train)
    out = model.transform(test)
    expected = (test["target"] - train["target"].mean()) / train["target"].std(ddof=0)
    np.testing.assert_allclose(out["target"], expected)
    np.testing.assert_allclose(model.transform(train)[["bmi", "target"]].mean(), 0.0, atol=1e-12)
    pd.testing.assert_series_equal(out["age"], test["age"])


def test_standard_scaler_constant_columns_and_nulls() -> None:
    train = pd.DataFrame({"c": [5, 5, 5], "x": [1.0, None, 3.0]})
    model = StandardScaler().fit(train)
    assert model.scale_ == {"c": 1.0, "x": 1.0}
    out = model.transform(train)
    assert out["c"].tolist() == [0.0, 0.0, 0.0] and out["x"].isna().tolist() == [False, True, False]
    assert StandardScaler(with_mean=False).fit(train).transform(train)["x"].tolist()[0] == 1.0


def test_one_hot_learns_categories_unseen_and_null_give_zeros(shop: pd.DataFrame, shop_next_day: pd.DataFrame) -> None:
    model = OneHotEncoder(columns=["channel", "country"]).fit(shop)
    assert model.categories_["channel"] == sorted(shop["channel"].dropna().unique())
    out = model.transform(shop_next_day)
    assert "channel" not in out.columns and "channel_tiktok" not in out.columns
    channel_cols = [f"channel_{c}" for c in model.categories_["channel"]]
    seen = shop_next_day["channel"].isin(model.categories_["channel"])
    assert (out.loc[seen, channel_cols].sum(axis=1) == 1).all()
    assert (out.loc[~seen, channel_cols].sum(axis=1) == 0).all()
    assert (~seen & shop_next_day["channel"].notna()).any() and shop_next_day["channel"].isna().any()
    assert (out.loc[shop_next_day["channel"] == "app", "channel_app"] == 1).all()
    assert {str(out[c].dtype) for c in channel_cols} == {"int64"}


def test_one_hot_names_are_safe_and_collisions_are_refused() -> None:
    df = pd.DataFrame({"c": ["United States", "a.b", None]})
    assert list(OneHotEncoder().fit(df).output_columns()) == ["c_United_States", "c_a_b"]
    with pytest.raises(ConfigError, match="collide"):
        OneHotEncoder().fit(pd.DataFrame({"c": ["a b", "a-b"]}))
    with pytest.raises(ConfigError, match="collide"):
        OneHotEncoder(drop=False).fit(pd.DataFrame({"c": ["x"], "c_x": ["y"]}))
    kept = OneHotEncoder(min_frequency=2, drop=False).fit(pd.DataFrame({"c": ["a", "a", "b"]}))
    assert list(kept.output_columns()) == ["c_a"]


def test_ordinal_encoder_codes_unseen_and_missing(iris: pd.DataFrame) -> None:
    model = OrdinalEncoder(columns=["species"]).fit(iris.iloc[:100])
    assert model.categories_ == {"species": ["setosa", "versicolor"]}
    out = model.transform(iris)
    assert out["species"].tolist() == [0] * 50 + [1] * 50 + [-1] * 50
    assert str(out["species"].dtype) == "int64"
    coded = OrdinalEncoder(suffix="_code", unknown_value=-9, missing_value=-5).fit(iris)
    frame = pd.DataFrame({"species": ["virginica", "rose", None]})
    assert coded.transform(frame)["species_code"].tolist() == [2, -9, -5]
    assert coded.transform(frame)["species"].tolist()[:2] == ["virginica", "rose"]


def test_date_parts_learn_reference_and_keep_nulls(shop: pd.DataFrame) -> None:
    model = DateParts(columns=["signup_date"], parts=["year", "month", "dayofweek", "is_weekend", "days_since"]).fit(
        shop
    )
    assert model.reference_["signup_date"] == shop["signup_date"].max()
    frame = pd.DataFrame({"signup_date": pd.to_datetime(["2024-03-02", None]).astype("datetime64[us]")})
    out = model.transform(frame)
    expected_days = (shop["signup_date"].max() - pd.Timestamp("2024-03-02")).days
    assert out.iloc[0, 1:].tolist() == [2024.0, 3.0, 5.0, 1.0, float(expected_days)]
    assert out.iloc[1, 1:].isna().all()
    fixed = DateParts(parts=["days_since"], reference="2024-03-12T00:00:00+00:00", drop=True).fit(frame)
    assert fixed.transform(frame)["signup_date_days_since"].tolist()[0] == 10.0
    assert "signup_date" not in fixed.transform(frame).columns


def test_date_parts_reject_bad_parts_and_non_dates() -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-01"]), "s": ["2024-01-01"]})
    with pytest.raises(ConfigError, match="week_of_moon"):
        DateParts(parts=["week_of_moon"]).fit(frame)
    with pytest.raises(SchemaError, match="'s' is string"):
        DateParts(columns=["s"]).fit(frame)
    with pytest.raises(ConfigError, match="not a date"):
        DateParts(reference="someday").fit(frame)


def test_log1p_and_ratio_on_shop(shop: pd.DataFrame) -> None:
    logged = Log1p(columns=["total_spend"], suffix="_log").fit(shop).transform(shop)
    np.testing.assert_allclose(logged["total_spend_log"], np.log1p(shop["total_spend"]))
    assert Log1p().fit(pd.DataFrame({"x": [-3.0]})).transform(pd.DataFrame({"x": [-3.0, None]}))["x"].tolist()[
        0
    ] == pytest.approx(-np.log1p(3.0))
    ratio = RatioFeature("total_spend", "orders_count", name="spend_per_order").fit(shop).transform(shop)
    np.testing.assert_allclose(ratio["spend_per_order"], shop["total_spend"] / shop["orders_count"])
    zero = pd.DataFrame({"a": [1.0, 2.0, None], "b": [0.0, 4.0, 1.0]})
    assert RatioFeature("a", "b").fit(zero).transform(zero)["a_per_b"].isna().tolist() == [True, False, True]
    with pytest.raises(SchemaError, match="'a' is string"):
        RatioFeature("a", "b").fit(pd.DataFrame({"a": ["x"], "b": [1.0]}))


def test_frequency_and_target_encoders_learn_per_category(shop: pd.DataFrame, shop_next_day: pd.DataFrame) -> None:
    freq = FrequencyEncoder(columns=["channel"]).fit(shop)
    out = freq.transform(shop_next_day)
    share = shop["channel"].value_counts() / len(shop)
    web = shop_next_day["channel"] == "web"
    assert np.allclose(out.loc[web, "channel_freq"], share["web"])
    assert (
        out.loc[shop_next_day["channel"].isna() | (shop_next_day["channel"] == "tiktok"), "channel_freq"] == 0
    ).all()

    target = TargetEncoder(columns=["store_id"], target="churned", smoothing=5.0).fit(shop)
    stats = shop.groupby("store_id")["churned"].agg(["sum", "count"])
    prior = shop["churned"].mean()
    expected = (stats["sum"] + 5.0 * prior) / (stats["count"] + 5.0)
    encoded = target.predict(shop_next_day.drop(columns=["churned"]))["store_id_target_mean"]
    np.testing.assert_allclose(encoded, shop_next_day["store_id"].map(expected).astype(float))
    unseen = target.predict(pd.DataFrame({"store_id": ["store_999", None]}))["store_id_target_mean"]
    assert unseen.tolist() == [pytest.approx(prior)] * 2
    with pytest.raises(SchemaError, match="target column 'label' is missing"):
        TargetEncoder(target="label").fit(shop)


def test_column_models_refuse_frames_without_matching_columns() -> None:
    with pytest.raises(SchemaError, match="no numeric column to learn from"):
        StandardScaler().fit(pd.DataFrame({"s": ["a"]}))
    with pytest.raises(SchemaError, match="no string column"):
        FrequencyEncoder().fit(pd.DataFrame({"x": [1.0]}))
