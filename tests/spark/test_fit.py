"""fit on Spark: the row limit is checked before anything is collected; sampling; refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import functions as F
from sklearn.linear_model import LinearRegression

from yotml_airflow.errors import ConfigError, DataTooLargeError, EmptyDataError
from yotml_airflow.models import SklearnModel
from yotml_airflow.spark import fit


def _poisoned(spark, n: int):
    """Rows whose ``x`` column fails when computed: only collecting them (not counting) computes it."""
    return spark.range(n).withColumn("x", F.when(F.col("id") >= 0, F.raise_error(F.lit("rows were collected"))))


def _model() -> SklearnModel:
    return SklearnModel(LinearRegression(), features=["x"], target="y")


def test_too_many_rows_is_refused_before_collecting(spark):
    with pytest.raises(DataTooLargeError, match="more than max_rows=10"):
        fit(_model(), _poisoned(spark, 100), max_rows=10)
    with pytest.raises(Exception, match="rows were collected"):
        fit(_model(), _poisoned(spark, 5), max_rows=10)


def test_fit_on_spark_equals_fit_on_pandas(spark):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200)}).assign(y=lambda d: 3 * d["x"] + 1)
    model = fit(_model(), spark.createDataFrame(df), max_rows=200)
    assert model.is_fitted()
    assert model.estimator_.coef_[0] == pytest.approx(3.0)
    assert model.input_schema == {"x": "numeric"}


def test_sample_fraction_is_seeded_and_counts_against_max_rows(spark):
    df = pd.DataFrame({"x": np.arange(1000, dtype="float64"), "y": np.arange(1000, dtype="float64")})
    sdf = spark.createDataFrame(df)
    with pytest.raises(DataTooLargeError):
        fit(_model(), sdf, max_rows=500)
    a = fit(_model(), sdf, sample=0.1, max_rows=500, seed=3)
    b = fit(_model(), sdf, sample=0.1, max_rows=500, seed=3)
    assert a.estimator_.intercept_ == b.estimator_.intercept_
    assert fit(_model(), sdf, sample=1.0, max_rows=1000).is_fitted()


def test_bad_arguments_and_empty_data(spark):
    sdf = spark.createDataFrame(pd.DataFrame({"x": [1.0], "y": [2.0]}))
    with pytest.raises(ConfigError, match="sample"):
        fit(_model(), sdf, sample=1.5)
    with pytest.raises(ConfigError, match="max_rows"):
        fit(_model(), sdf, max_rows=0)
    with pytest.raises(ConfigError, match="yotml Model"):
        fit(LinearRegression(), sdf)
    with pytest.raises(EmptyDataError):
        fit(_model(), sdf.limit(0))
