"""What the cleaning models learn at fit and apply later, on the generated shop data and scikit-learn data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yotml_airflow.errors import ConfigError, EmptyDataError, NotFittedError, SchemaError
from yotml_airflow.models import CategoryVocabulary, Clipper, DataCleaner, DtypeCoercer, Imputer

ID_COLUMNS = ["store_id", "customer_id", "snapshot_date", "churned"]


def test_imputer_fills_new_data_with_values_learned_at_fit(shop: pd.DataFrame, shop_next_day: pd.DataFrame) -> None:
    model = Imputer(columns=["avg_basket", "country", "signup_date"]).fit(shop)
    assert model.fill_values_["avg_basket"] == pytest.approx(shop["avg_basket"].mean())
    top = shop["country"].value_counts()
    assert model.fill_values_["country"] == top.index[0]
    out = model.transform(shop_next_day)
    missing = shop_next_day["avg_basket"].isna()
    assert missing.any() and not out["avg_basket"].isna().any()
    assert np.allclose(out.loc[missing, "avg_basket"], shop["avg_basket"].mean())
    pd.testing.assert_series_equal(out.loc[~missing, "avg_basket"], shop_next_day.loc[~missing, "avg_basket"])
    assert set(out.loc[shop_next_day["country"].isna(), "country"]) == {top.index[0]}
    assert out["days_since_last_order"].isna().sum() == shop_next_day["days_since_last_order"].isna().sum()


def test_imputer_median_and_default_columns_on_diabetes(diabetes: pd.DataFrame) -> None:
    holed = diabetes.copy()
    holed.loc[holed.index[::7], "bmi"] = np.nan
    model = Imputer(strategy="median").fit(holed)
    assert model.columns_ == list(diabetes.columns)
    out = model.transform(holed)
    assert out["bmi"].isna().sum() == 0
    assert out.loc[holed.index[::7], "bmi"].eq(holed["bmi"].median()).all()


def test_imputer_keeps_dtypes_and_leaves_all_null_columns_null() -> None:
    train = pd.DataFrame({"n": [1, 2, 4], "f": [np.nan, np.nan, np.nan], "flag": [True, None, True]})
    model = Imputer().fit(train)
    assert model.fill_values_ == {"n": pytest.approx(7 / 3), "f": None, "flag": True}
    out = model.transform(pd.DataFrame({"n": [5, 6, 7], "f": [1.0, np.nan, 2.0], "flag": [None, False, None]}))
    assert str(out["n"].dtype) == "float64" and out["n"].tolist() == [5.0, 6.0, 7.0]
    assert out["f"].isna().tolist() == [False, True, False]
    assert out["flag"].tolist() == [True, False, True] and str(out["flag"].dtype) == "bool"
    assert model.output_columns() == {"n": "float64", "f": "float64", "flag": "bool"}


def test_imputer_rejects_bad_configuration() -> None:
    df = pd.DataFrame({"a": [1.0, None]})
    with pytest.raises(ConfigError, match="strategy='mode'"):
        Imputer(strategy="mode").fit(df)
    with pytest.raises(ConfigError, match="fill_value"):
        Imputer(strategy="constant").fit(df)
    assert Imputer(strategy="constant", fill_value=-1.0).fit(df).transform(df)["a"].tolist() == [1.0, -1.0]


def test_clipper_quantile_bounds_clip_injected_outliers(shop: pd.DataFrame, shop_next_day: pd.DataFrame) -> None:
    shop = shop.copy()
    shop.loc[shop.index[3], "sessions_30d"] = 5_000
    model = Clipper(columns=["total_spend", "sessions_30d"], lower=0.05, upper=0.95).fit(shop)
    lo, hi = model.bounds_["total_spend"]
    assert (lo, hi) == (
        pytest.approx(shop["total_spend"].quantile(0.05)),
        pytest.approx(shop["total_spend"].quantile(0.95)),
    )
    out = model.transform(shop_next_day)
    assert out["total_spend"].between(lo, hi).all()
    inside = shop_next_day["total_spend"].between(lo, hi)
    pd.testing.assert_series_equal(out.loc[inside, "total_spend"], shop_next_day.loc[inside, "total_spend"])
    sessions = model.transform(shop)["sessions_30d"]
    assert sessions[shop.index[3]] == np.ceil(model.bounds_["sessions_30d"][1]) < 100
    assert str(sessions.dtype) == "int64"


def test_clipper_iqr_fences_on_breast_cancer(breast_cancer: pd.DataFrame) -> None:
    column = breast_cancer["mean_area"]
    q1, q3 = column.quantile(0.25), column.quantile(0.75)
    model = Clipper(columns=["mean_area"], method="iqr", factor=1.5).fit(breast_cancer)
    assert model.bounds_["mean_area"] == (pytest.approx(q1 - 1.5 * (q3 - q1)), pytest.approx(q3 + 1.5 * (q3 - q1)))
    out = model.transform(breast_cancer)["mean_area"]
    changed = (out != column).sum()
    assert changed == (column > q3 + 1.5 * (q3 - q1)).sum() + (column < q1 - 1.5 * (q3 - q1)).sum() > 0


def test_clipper_keeps_nulls_and_rejects_bad_quantiles() -> None:
    df = pd.DataFrame({"x": [1.0, None, 3.0, 500.0]})
    assert Clipper(upper=0.5).fit(df).transform(df)["x"].isna().tolist() == [False, True, False, False]
    with pytest.raises(ConfigError, match="lower < upper"):
        Clipper(lower=0.9, upper=0.1).fit(df)
    with pytest.raises(SchemaError, match="'c' is string"):
        Clipper(columns=["c"]).fit(pd.DataFrame({"c": ["a"]}))


def test_category_vocabulary_buckets_rare_and_unseen_keeps_nulls(
    shop: pd.DataFrame, shop_next_day: pd.DataFrame
) -> None:
    model = CategoryVocabulary(columns=["country", "channel"], min_frequency=5).fit(shop)
    counts = shop["country"].value_counts()
    assert set(model.vocabulary_["country"]) == set(counts[counts >= 5].index)
    out = model.transform(shop_next_day)
    assert {"BR", "tiktok"} & set(shop_next_day["country"].dropna()) | set(shop_next_day["channel"].dropna())
    assert "BR" not in set(out["country"].dropna()) and "tiktok" not in set(out["channel"].dropna())
    assert (out.loc[shop_next_day["country"] == "BR", "country"] == "other").all()
    assert out["country"].isna().equals(shop_next_day["country"].isna())
    assert "nan" not in set(out["country"].dropna())


def test_category_vocabulary_share_and_max_categories() -> None:
    df = pd.DataFrame({"c": ["a"] * 6 + ["b"] * 3 + ["c"]})
    assert CategoryVocabulary(min_frequency=0.25).fit(df).vocabulary_ == {"c": ["a", "b"]}
    assert CategoryVocabulary(max_categories=1, other="?").fit(df).transform(df)["c"].tolist() == ["a"] * 6 + ["?"] * 4
    with pytest.raises(ConfigError, match="min_frequency"):
        CategoryVocabulary(min_frequency=0).fit(df)


def test_dtype_coercer_converts_and_names_bad_values() -> None:
    raw = pd.DataFrame(
        {
            "n": ["1", "2", "3"],
            "x": ["1.5", None, "2"],
            "ok": ["yes", "No", "1"],
            "when": ["2024-01-02", "2024-01-03T05:00:00+02:00", None],
            "code": [1.0, np.nan, 3.0],
        }
    )
    declared = {"n": "int64", "x": "float64", "ok": "bool", "when": "datetime64[us]", "code": "string"}
    out = DtypeCoercer(declared).fit(raw).transform(raw)
    assert {c: str(t) for c, t in out.dtypes.items()} == {**declared, "code": "str"}
    assert out["n"].tolist() == [1, 2, 3] and out["ok"].tolist() == [True, False, True]
    assert out["when"].tolist()[:2] == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03 03:00:00")]
    assert out["x"].isna().tolist() == [False, True, False] and out["when"].isna().tolist() == [False, False, True]
    assert out["code"].tolist()[0] == "1.0" and pd.isna(out["code"].tolist()[1])

    with pytest.raises(SchemaError, match=r"column 'x' has 1 value\(s\) that are not float64, e.g. \['two'\]"):
        DtypeCoercer({"x": "float64"}).fit(pd.DataFrame({"x": ["1", "two"]}))
    assert DtypeCoercer({"x": "float64"}, errors="null").fit_transform(pd.DataFrame({"x": ["1", "two"]}))[
        "x"
    ].isna().tolist() == [False, True]
    with pytest.raises(SchemaError, match=r"'n' has 1 missing value.*cannot hold nulls"):
        DtypeCoercer({"n": "int64"}).fit(pd.DataFrame({"n": [1.0, None]}))
    with pytest.raises(SchemaError, match="non-integer"):
        DtypeCoercer({"n": "int64"}).fit(pd.DataFrame({"n": [1.5, 2.0]}))
    with pytest.raises(ConfigError, match="float32"):
        DtypeCoercer({"n": "float32"}).fit(raw)


def test_dtype_coercer_accepts_any_input_kind_after_fit() -> None:
    model = DtypeCoercer({"n": "float64"}).fit(pd.DataFrame({"n": ["1", "2"]}))
    assert model.transform(pd.DataFrame({"n": [3, 4]}))["n"].tolist() == [3.0, 4.0]
    with pytest.raises(SchemaError, match=r"missing required column\(s\) \['n'\]"):
        model.transform(pd.DataFrame({"m": [1]}))


def test_data_cleaner_cleans_the_shop_and_leaves_excluded_columns(
    shop: pd.DataFrame, shop_next_day: pd.DataFrame
) -> None:
    cleaner = DataCleaner(exclude=ID_COLUMNS, min_frequency=3).fit(shop)
    out = cleaner.transform(shop_next_day)
    for column in ID_COLUMNS:
        pd.testing.assert_series_equal(out[column], shop_next_day[column])
    cleaned = [c for c in shop.columns if c not in ID_COLUMNS]
    assert not out[cleaned].isna().any().any()
    assert out["total_spend"].max() <= shop["total_spend"].quantile(0.99) + 1e-9
    assert set(out["channel"]) <= set(shop["channel"].dropna()) | {"other"}
    assert (out.loc[shop_next_day["channel"] == "tiktok", "channel"] == "other").all()
    clipped = shop["avg_basket"].clip(shop["avg_basket"].quantile(0.01), shop["avg_basket"].quantile(0.99))
    assert cleaner.steps_[1].fill_values_["avg_basket"] == pytest.approx(clipped.median())
    assert list(cleaner.predict(shop_next_day).columns) == cleaned


def test_cleaning_errors_and_empty_frames(shop: pd.DataFrame) -> None:
    with pytest.raises(NotFittedError):
        Imputer().transform(shop)
    with pytest.raises(EmptyDataError):
        DataCleaner().fit(shop.iloc[:0])
    cleaner = DataCleaner(exclude=ID_COLUMNS).fit(shop)
    with pytest.raises(SchemaError, match="'country'"):
        cleaner.transform(shop.drop(columns=["country"]))
    with pytest.raises(SchemaError, match="column 'total_spend' must be numeric"):
        cleaner.transform(shop.assign(total_spend="lots"))
    empty = cleaner.predict(shop.iloc[:0])
    assert len(empty) == 0 and empty.dtypes.astype(str).to_dict() == {
        c: ("str" if d == "string" else d) for c, d in cleaner.output_columns().items()
    }
