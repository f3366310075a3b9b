"""Benchmark: yotml ``batch_transform`` vs ``mlflow.pyfunc.spark_udf`` vs single-process pandas ``predict``.

1M rows x 10 features, a scikit-learn RandomForestRegressor (20 trees) and a LinearRegression,
Spark local[2], one session, the input cached in Spark, each variant run once to warm up and then
timed ``--repeats`` times in turns (median reported). Spark variants are forced with the ``noop`` sink, so
the time is scoring only (no output files). The session is ``get_spark``'s (50,000-row Arrow
batches); the "10k batches" rows use Spark's default instead, and "vs spark_udf" is against the
faster of spark_udf's two. Targets: >= 1.5x spark_udf's throughput, and within
2x of single-process pandas (yotml's own ``predict`` on pandas, which scores forests through
``CompiledTrees`` like the Spark path; the bare scikit-learn ``predict`` is printed beside it).

    uv run python benchmarks/batch_transform.py [--rows 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

FEATURES = [f"f{i}" for i in range(10)]


def _timed_round_robin(variants: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Warm each variant once, then time them in turns (so load drifts hit all alike); medians."""
    for fn in variants.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def _data(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(FEATURES)))
    df = pd.DataFrame(x, columns=FEATURES)
    df.insert(0, "id", np.arange(rows, dtype="int64"))
    df["target"] = x @ rng.normal(size=len(FEATURES)) + np.sin(x[:, 0] * 3) + rng.normal(scale=0.1, size=rows)
    return df


def _noop(frame) -> None:
    frame.write.format("noop").mode("overwrite").save()


def _constant(batches):
    for batch in batches:
        yield pd.DataFrame({"id": batch["id"], "prediction": 0.0})


def _with_arrow_batch(spark, rows: int, fn: Callable[[], object]) -> object:
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    old = spark.conf.get(key)
    spark.conf.set(key, str(rows))
    try:
        return fn()
    finally:
        spark.conf.set(key, old)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=50_000)
    opts = parser.parse_args()

    import mlflow
    from pyspark.sql import functions as F
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LinearRegression

    from yotml_airflow.models import SklearnModel
    from yotml_airflow.spark import batch_transform, get_spark

    spark = get_spark("local[2]", app_name="yotml-bench", conf={"spark.driver.memory": "2g"})
    spark.sparkContext.setLogLevel("ERROR")
    pdf = _data(opts.rows)
    train = _data(opts.train_rows, seed=1)
    sdf = spark.createDataFrame(pdf.drop(columns="target")).repartition(4).cache()
    sdf.count()
    print(f"rows={opts.rows:,} features={len(FEATURES)} partitions={sdf.rdd.getNumPartitions()} master=local[2]")

    store = tempfile.mkdtemp(prefix="yotml-bench-mlflow-")
    mlflow.set_tracking_uri(f"sqlite:///{store}/mlflow.db")
    mlflow.set_experiment(
        experiment_id=mlflow.create_experiment("bench", artifact_location=f"file://{store}/artifacts")
    )
    import sklearn

    reqs = [f"scikit-learn=={sklearn.__version__}", f"numpy=={np.__version__}", f"pandas=={pd.__version__}"]
    estimators = {
        "random_forest_20": RandomForestRegressor(n_estimators=20, max_depth=12, random_state=0, n_jobs=1),
        "linear": LinearRegression(),
    }
    print(f"{'model':<18}{'variant':<34}{'seconds':>9}{'rows/s':>12}{'vs spark_udf':>14}{'vs pandas time':>16}")
    for name, estimator in estimators.items():
        model = SklearnModel(estimator, features=FEATURES, target="target").fit(train)
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(
                model.estimator_,
                name="model",
                pip_requirements=reqs,
                serialization_format="cloudpickle",
                input_example=train[FEATURES].head(2),
            )
        udf = mlflow.pyfunc.spark_udf(spark, info.model_uri, result_type="double", env_manager="local")
        variants: dict[str, Callable[[], object]] = {
            "pandas predict (1 process)": lambda m=model: m.predict(pdf),
            "scikit-learn predict (1 process)": lambda m=model: m.estimator_.predict(pdf[FEATURES]),
            "mlflow spark_udf": lambda u=udf: _noop(sdf.select("id", u(F.struct(*FEATURES)).alias("prediction"))),
            "spark_udf, Spark's 10k batches": lambda u=udf: _with_arrow_batch(
                spark, 10_000, lambda: _noop(sdf.select("id", u(F.struct(*FEATURES)).alias("prediction")))
            ),
            "yotml keep_columns=[id]": lambda m=model: _noop(batch_transform(m, sdf, keep_columns=["id"])),
            "yotml keep all columns": lambda m=model: _noop(batch_transform(m, sdf)),
            "yotml, Spark's 10k batches": lambda m=model: _with_arrow_batch(
                spark, 10_000, lambda: _noop(batch_transform(m, sdf, keep_columns=["id"]))
            ),
            "floor: mapInPandas, no model": lambda: _noop(
                sdf.select("id", *FEATURES).mapInPandas(_constant, "id long, prediction double")
            ),
        }
        results = _timed_round_robin(variants, opts.repeats)
        udf_time = min(results["mlflow spark_udf"], results["spark_udf, Spark's 10k batches"])
        pandas_time = results["pandas predict (1 process)"]
        for variant, seconds in results.items():
            print(
                f"{name:<18}{variant:<34}{seconds:>9.2f}{opts.rows / seconds:>12,.0f}"
                f"{udf_time / seconds:>13.2f}x{seconds / pandas_time:>15.2f}x"
            )
    spark.stop()


if __name__ == "__main__":
    main()
