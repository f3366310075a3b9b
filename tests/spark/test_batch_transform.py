"""batch_transform on the shared local Spark session: parity, columns, nulls, batching, shipping, schema checks."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from pyspark import cloudpickle
from pyspark.sql import functions as F
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from yotml_airflow.errors import ConfigError, ModelCheckError, NotFittedError, SchemaError
from yotml_airflow.models import Model, ModelPipeline, SklearnModel
from yotml_airflow.spark import batch_transform, check_spark_parity, to_spark_schema

# Models defined here travel to the Python workers by value, as a notebook's classes would.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class BandModel(Model):
    """A user-defined model whose outputs use every declared dtype, with nulls where the input has them."""

    def __init__(self, column: str = "x"):
        self.column = column

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return [self.column]

    def _fit(self, df: pd.DataFrame) -> None:
        self.mean_ = float(df[self.column].mean())

    def output_columns(self) -> dict[str, str]:
        return {
            "centered": "float64",
            "band": "string",
            "above": "bool",
            "is_missing": "int64",
            "when": "datetime64[us]",
        }

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        x = df[self.column].astype("float64")
        band = pd.Series(np.where(x > self.mean_, "high", "low"), index=df.index, dtype="str").where(x.notna())
        base = pd.Timestamp("2024-01-01")
        when = (base + pd.to_timedelta(x.fillna(0).round(), unit="D")).astype("datetime64[us]").where(x.notna())
        return pd.DataFrame(
            {
                "centered": x - self.mean_,
                "band": band,
                "above": (x > self.mean_).fillna(False).astype(bool),
                "is_missing": x.isna().astype("int64"),
                "when": when,
            },
            index=df.index,
        )


class FillMean(Model):
    """A user-defined cleaning step: fills NaN in numeric columns with their training mean."""

    def __init__(self, columns: list[str] | None = None):
        self.columns = columns

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return list(self.columns) if self.columns is not None else list(df.select_dtypes("number").columns)

    def _fit(self, df: pd.DataFrame) -> None:
        self.means_ = {c: float(df[c].mean()) for c in self.input_columns(df)}

    def output_columns(self) -> dict[str, str]:
        return {}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        out = dict(schema)
        out.update({c: "float64" for c in self.means_ if c in out})
        return out

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for col, mean in self.means_.items():
            out[col] = out[col].astype("float64").fillna(mean)
        return out


class CountingModel(Model):
    """Counts ``_predict`` calls in this process and unpickles by appending its pid to a file."""

    predict_calls = 0

    def __init__(self, log_path: str = ""):
        self.log_path = log_path

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return ["x"]

    def _fit(self, df: pd.DataFrame) -> None:
        self.fitted_rows_ = len(df)

    def output_columns(self) -> dict[str, str]:
        return {"batch_rows": "int64", "pid": "int64", "x_dtype": "string"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        type(self).predict_calls += 1
        n = len(df)
        return pd.DataFrame(
            {"batch_rows": [n] * n, "pid": [os.getpid()] * n, "x_dtype": [str(df["x"].dtype)] * n}, index=df.index
        )

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.log_path:
            with open(self.log_path, "a") as fh:
                fh.write(f"{os.getpid()}\n")


def _frame(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[::7] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype="int64"),
            "x": x,
            "z": rng.normal(size=n),
            "city": pd.Series(rng.choice(["a", "b", None], size=n), dtype="str"),
            "y": (rng.normal(size=n) > 0).astype("int64"),
            "amount": rng.normal(size=n) * 10,
        }
    )


def _clean(n: int = 60, seed: int = 1) -> pd.DataFrame:
    return _frame(n, seed).assign(x=lambda d: d["x"].fillna(0.0))


def test_parity_sklearn_classifier_with_proba(spark):
    df = _clean()
    model = SklearnModel(RandomForestClassifier(n_estimators=5, random_state=0), features=["x", "z"], target="y")
    model.fit(df)
    assert check_spark_parity(model, df, spark) == ["predict", "transform"]


def test_forest_with_nulls_scores_on_spark_exactly_as_scikit_learn(spark):
    df = _frame(300, seed=3)
    model = SklearnModel(
        RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0), features=["x", "z"], target="amount"
    ).fit(df)
    assert check_spark_parity(model, df, spark) == ["predict", "transform"]
    got = batch_transform(model, spark.createDataFrame(df), keep_columns=["id"]).toPandas().sort_values("id")
    np.testing.assert_array_equal(got["prediction"], model.estimator_.predict(df[["x", "z"]]))


def test_parity_sklearn_classifier_with_string_labels(spark):
    df = _clean().assign(label=lambda d: np.where(d["y"] == 1, "yes", "no"))
    model = SklearnModel(LogisticRegression(), features=["x", "z"], target="label").fit(df)
    assert check_spark_parity(model, df.drop(columns="y"), spark) == ["predict", "transform"]


def test_parity_sklearn_regressor(spark):
    df = _clean()
    model = SklearnModel(LinearRegression(), features=["x", "z"], target="amount").fit(df)
    assert check_spark_parity(model, df, spark, batch_size=7) == ["predict", "transform"]


def test_parity_model_pipeline(spark):
    df = _frame()
    steps = [FillMean(columns=["x"]), SklearnModel(LinearRegression(), features=["x", "z"], target="amount")]
    pipe = ModelPipeline(steps)
    pipe.fit(df)
    assert check_spark_parity(pipe, df, spark) == ["predict", "transform"]


def test_parity_user_model_all_dtypes_and_nulls(spark):
    df = _frame()
    model = BandModel().fit(df)
    check_spark_parity(model, df, spark)
    got = batch_transform(model, spark.createDataFrame(df), keep_columns=["id"]).toPandas().sort_values("id")
    missing = df["x"].isna().to_numpy()
    assert got["centered"].isna().to_numpy().tolist() == missing.tolist()
    assert got["band"].isna().to_numpy().tolist() == missing.tolist()
    assert got["when"].isna().to_numpy().tolist() == missing.tolist()
    assert got.dtypes.astype(str).to_dict() == {
        "id": "int64",
        "centered": "float64",
        "band": "str",
        "above": "bool",
        "is_missing": "int64",
        "when": "datetime64[us]",
    }


def test_parity_detects_a_difference(spark):
    class Drifting(BandModel):
        def _predict(self, df):
            out = super()._predict(df)
            out["centered"] = out["centered"] + (os.getpid() != PARENT_PID)
            return out

    df = _frame(12)
    with pytest.raises(ModelCheckError, match="values differ"):
        check_spark_parity(Drifting().fit(df), df, spark, methods=["predict"])


PARENT_PID = os.getpid()


def test_output_schema_comes_from_declaration_not_from_running_the_model(spark):
    df = _frame(30)
    model = CountingModel().fit(df)
    CountingModel.predict_calls = 0
    out = batch_transform(model, spark.createDataFrame(df), keep_columns=["id"])
    assert out.schema == to_spark_schema({"id": "int64", **model.output_columns()})
    assert out.count() == 30
    assert CountingModel.predict_calls == 0


def test_default_keeps_every_input_column_and_outputs_replace_same_names(spark):
    df = _frame(10).assign(centered=1.0)
    model = BandModel().fit(df)
    out = batch_transform(model, spark.createDataFrame(df))
    assert out.columns == ["id", "x", "z", "city", "y", "amount", *model.output_columns()]
    assert out.filter(F.col("centered") == 1.0).count() == 0


def test_keep_columns_selects_passthrough_and_transform_keeps_exact_spark_types(spark):
    df = _frame(10)
    sdf = spark.createDataFrame(df).withColumn("small", F.col("id").cast("int")).withColumn("day", F.current_date())
    model = BandModel().fit(df)
    out = batch_transform(model, sdf, keep_columns=["small", "day"])
    assert out.columns == ["small", "day", *model.output_columns()]
    assert out.schema["small"].dataType.typeName() == "integer"
    assert out.schema["day"].dataType.typeName() == "date"
    assert sorted(r.small for r in out.collect()) == list(range(10))
    filled = batch_transform(FillMean(columns=["x"]).fit(df), sdf, method="transform")
    assert filled.columns == sdf.columns
    assert filled.schema["small"].dataType.typeName() == "integer"
    assert filled.filter(F.col("x").isNull()).count() == 0


def test_empty_partitions_and_empty_frames(spark):
    df = _frame(3)
    model = BandModel().fit(df)
    sparse = spark.createDataFrame(df).repartition(8)
    assert sparse.rdd.getNumPartitions() == 8
    assert batch_transform(model, sparse).count() == 3
    empty = spark.createDataFrame(df).limit(0)
    got = batch_transform(model, empty, keep_columns=["id"]).toPandas()
    assert got.empty and list(got.columns) == ["id", *model.output_columns()]


def test_nullable_integers_reach_the_model_as_float64_like_to_pandas(spark):
    sdf = spark.createDataFrame([(1, 1), (2, None), (3, 5)], "id long, x long").coalesce(1)
    model = CountingModel().fit(pd.DataFrame({"x": [1.0, 2.0]}))
    rows = {r.id: r.x_dtype for r in batch_transform(model, sdf, keep_columns=["id"]).collect()}
    assert rows == {1: "float64", 2: "float64", 3: "float64"}
    no_nulls = spark.createDataFrame([(1, 1)], "id long, x long")
    assert batch_transform(model, no_nulls).first().x_dtype == "int64"


def test_batch_size_bounds_rows_per_model_call(spark):
    df = pd.DataFrame({"id": np.arange(100), "x": np.arange(100, dtype="float64")})
    model = CountingModel().fit(df)
    sdf = spark.createDataFrame(df).coalesce(1)
    sizes = [r.batch_rows for r in batch_transform(model, sdf, keep_columns=[], batch_size=30).collect()]
    assert sorted(set(sizes)) == [10, 30]
    assert len(sizes) == 100
    with pytest.raises(ConfigError, match="batch_size"):
        batch_transform(model, sdf, batch_size=0)


def test_default_merges_small_spark_batches_into_fewer_model_calls(spark, monkeypatch):
    from yotml_airflow.spark import _batch

    df = pd.DataFrame({"id": np.arange(100), "x": np.arange(100, dtype="float64")})
    model = CountingModel().fit(df)
    sdf = spark.createDataFrame(df).coalesce(1)
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    old = spark.conf.get(key)
    spark.conf.set(key, "10")
    try:
        merged = [r.batch_rows for r in batch_transform(model, sdf, keep_columns=[]).collect()]
        monkeypatch.setattr(_batch, "AUTO_BATCH_ROWS", 40)
        capped = [r.batch_rows for r in batch_transform(model, sdf, keep_columns=[]).collect()]
    finally:
        spark.conf.set(key, old)
    assert set(merged) == {100}
    assert sorted(set(capped)) == [20, 40]


def test_model_is_unpickled_once_per_python_worker_not_per_batch(spark, tmp_path):
    log = tmp_path / "unpickled.log"
    df = pd.DataFrame({"id": np.arange(400), "x": np.arange(400, dtype="float64")})
    model = CountingModel(log_path=str(log)).fit(df)
    sdf = spark.createDataFrame(df).repartition(8)
    out = batch_transform(model, sdf, keep_columns=["id"], batch_size=10)
    first = out.toPandas()
    second = out.toPandas()
    batches = 2 * 400 // 10
    pids = log.read_text().split()
    worker_pids = set(first["pid"]) | set(second["pid"])
    assert len(pids) == len(set(pids)), f"a worker unpickled the model twice: {pids}"
    assert set(pids) <= {str(p) for p in worker_pids}
    assert len(pids) <= len(worker_pids) < batches


def test_saved_model_path_is_accepted(spark, tmp_path):
    df = _frame(20)
    model = BandModel().fit(df)
    path = model.save(tmp_path / "band")
    got = batch_transform(str(path), spark.createDataFrame(df), keep_columns=["id"]).toPandas().sort_values("id")
    expected = model.predict(df)
    assert np.allclose(got["centered"], expected["centered"], equal_nan=True)


def test_schema_errors_are_raised_on_the_driver_before_any_job(spark):
    df = _frame(10)
    model = BandModel().fit(df)
    with pytest.raises(SchemaError, match=r"missing required column\(s\) \['x'\]"):
        batch_transform(model, spark.createDataFrame(df.drop(columns="x")))
    with pytest.raises(SchemaError, match="column 'x' must be numeric, got Spark type string"):
        batch_transform(model, spark.createDataFrame(df.assign(x="oops")))
    with pytest.raises(SchemaError, match=r"keep_columns \['nope'\]"):
        batch_transform(model, spark.createDataFrame(df), keep_columns=["nope"])
    with pytest.raises(NotFittedError):
        batch_transform(BandModel(), spark.createDataFrame(df))
    with pytest.raises(ConfigError, match="method"):
        batch_transform(model, spark.createDataFrame(df), method="score")
    with pytest.raises(ConfigError, match="neither a saved model folder"):
        batch_transform("/no/such/model", spark.createDataFrame(df))


def test_to_spark_schema_maps_the_whole_vocabulary():
    schema = to_spark_schema({"f": "float64", "i": "int64", "b": "bool", "s": "string", "t": "datetime64[us]"})
    assert schema.simpleString() == "struct<f:double,i:bigint,b:boolean,s:string,t:timestamp>"
    with pytest.raises(SchemaError, match="column 'o'"):
        to_spark_schema({"o": "object"})


def test_a_pending_result_still_scores_after_many_other_models_were_broadcast(spark):
    df = _frame(8)
    sdf = spark.createDataFrame(df)
    models = [BandModel().fit(df.assign(x=df["x"] + i)) for i in range(10)]
    pending = [batch_transform(m, sdf, keep_columns=["id"]) for m in models]
    got = pending[0].toPandas().sort_values("id").reset_index(drop=True)
    expected = models[0].predict(df)
    assert np.allclose(got["centered"], expected["centered"], equal_nan=True)
