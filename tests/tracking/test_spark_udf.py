"""MLflow's own ``mlflow.pyfunc.spark_udf`` scores a yotml model logged by ``log_model`` (shared Spark session)."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
from pyspark.sql import functions as F
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import SklearnModel
from yotml_airflow.tracking import log_model, promote


@pytest.mark.spark
def test_spark_udf_matches_yotml_predict(mlflow_store: str, spark: object, churn_df: pd.DataFrame) -> None:
    model = SklearnModel(LogisticRegression(), features=["x", "visits"], target="churned").fit(churn_df)
    log_model(model, "churn_udf", data=churn_df)
    promote("churn_udf", 1)
    rows = churn_df.head(24)
    sdf = spark.createDataFrame(rows[["x", "visits", "store"]])  # type: ignore[attr-defined]
    udf = mlflow.pyfunc.spark_udf(spark, "models:/churn_udf@champion", env_manager="local")
    scored = sdf.withColumn("out", udf(F.struct("x", "visits"))).select("x", "out.*").toPandas()
    expected = model.predict(rows)
    assert list(scored.columns) == ["x", "prediction", "proba_0", "proba_1"]
    order = np.argsort(scored["x"].to_numpy())
    want = np.argsort(rows["x"].to_numpy())
    assert scored["prediction"].to_numpy()[order].tolist() == expected["prediction"].to_numpy()[want].tolist()
    np.testing.assert_allclose(scored["proba_1"].to_numpy()[order], expected["proba_1"].to_numpy()[want])
