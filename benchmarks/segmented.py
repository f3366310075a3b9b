"""Benchmark: SegmentedModel with one linear model per segment on local Spark, against the floor.

The floor is the time the bare base model needs: the sum over segments of ``base.clone().fit(rows)``
on pre-sliced pandas frames (measured in this run on an even sample of segments, extrapolated to
all of them), divided by the 2 cores of ``local[2]``. Predict has the same floor with
``model.predict(rows)``. Everything above the floor is the price of segmenting: grouping, Spark's
shuffle and Arrow transfers, pickling, routing, packing.

Run (prints one table; the 100,000-segment run takes several minutes, run it once)::

    uv run python benchmarks/segmented.py --segments 10000
    uv run python benchmarks/segmented.py --segments 100000
    uv run python benchmarks/segmented.py --segments 10000 --compare-grouping   # buckets vs groupBy(segment)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

from yotml_airflow.models import SegmentedModel, SklearnModel, load_model  # noqa: E402
from yotml_airflow.spark import fit_segmented, get_spark, predict_segmented  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _light_linear import LeastSquares  # noqa: E402

FEATURES = ["x1", "x2", "x3"]
CORES = 2


BASES = {
    "sklearn": lambda: SklearnModel(LinearRegression(), features=FEATURES, target="y"),
    "light": lambda: LeastSquares(features=FEATURES, target="y"),
}
base_model = BASES["sklearn"]


def make_data(n_segments: int, rows: int, path: Path, seed: int = 0) -> None:
    """Write ``n_segments * rows`` shuffled rows to Parquet: each segment has its own coefficients."""
    rng = np.random.default_rng(seed)
    n = n_segments * rows
    seg = np.repeat(np.arange(n_segments, dtype=np.int64), rows)
    coef = rng.normal(scale=2.0, size=(n_segments, len(FEATURES)))
    x = rng.normal(size=(n, len(FEATURES)))
    y = (x * coef[seg]).sum(axis=1) + rng.normal(scale=0.1, size=n)
    perm = rng.permutation(n)
    table = pa.table({"id": np.arange(n), "segment": seg[perm], **{f: x[perm, i] for i, f in enumerate(FEATURES)},
                      "y": y[perm]})  # fmt: skip
    pq.write_table(table, path, row_group_size=500_000)


def floor(path: Path, n_segments: int, sample: int) -> dict[str, float]:
    """Per-segment bare fit and predict seconds on an even sample of segments, extrapolated / CORES."""
    picked = np.linspace(0, n_segments - 1, min(sample, n_segments)).astype(np.int64)
    df = pq.read_table(path, filters=[("segment", "in", picked.tolist())]).to_pandas()
    frames = [g.drop(columns=["segment", "id"]) for _, g in df.groupby("segment")]
    fit_times, predict_times = [], []
    for frame in frames:
        model = base_model()
        t0 = time.perf_counter()
        model.fit(frame)
        fit_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(frame)
        predict_times.append(time.perf_counter() - t0)
    return {
        "fit_per_model_ms": 1e3 * statistics.fmean(fit_times),
        "predict_per_model_ms": 1e3 * statistics.fmean(predict_times),
        "fit_floor_s": statistics.fmean(fit_times) * n_segments / CORES,
        "predict_floor_s": statistics.fmean(predict_times) * n_segments / CORES,
        "sampled": len(frames),
    }


def in_run_predict_floor(saved: Path, sdf, buckets: int) -> float:
    """Sum of bare ``model.predict(rows)`` seconds of every segment, measured on the executors, / CORES.

    A second Spark job over the same buckets: each task times only the per-segment model's own
    ``predict`` (the model is fetched and the rows sliced outside the timer).
    """
    from pyspark.sql import functions as F

    from yotml_airflow.spark._segmented import _executor_model

    location = str(saved)

    def bare(pdf: pd.DataFrame) -> pd.DataFrame:
        model = _executor_model(location, "")
        total = 0.0
        for segment, rows in pdf.drop(columns=["__b"]).groupby("segment"):
            segment_model = model.segment_model(segment)
            frame = rows.drop(columns=["segment"])
            t0 = time.perf_counter()
            segment_model.predict(frame)
            total += time.perf_counter() - t0
        return pd.DataFrame({"seconds": [total]})

    bucketed = sdf.withColumn("__b", F.pmod(F.hash(F.col("segment")), F.lit(buckets)))
    timed = bucketed.groupBy("__b").applyInPandas(bare, "seconds double").agg(F.sum("seconds")).first()[0]
    return float(timed) / CORES


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--floor-sample", type=int, default=2_000)
    parser.add_argument("--buckets", type=int, default=256)
    parser.add_argument("--compare-grouping", action="store_true", help="also fit with groupBy(segment)")
    parser.add_argument("--base", choices=sorted(BASES), default="sklearn", help="the per-segment linear model")
    parser.add_argument("--skip-predict", action="store_true")
    args = parser.parse_args()
    global base_model
    base_model = BASES[args.base]

    work = Path(tempfile.mkdtemp(prefix="yotml-bench-segmented-"))
    try:
        data = work / "data.parquet"
        t0 = time.perf_counter()
        make_data(args.segments, args.rows, data)
        print(f"data: {args.segments:,} segments x {args.rows} rows written in {time.perf_counter() - t0:.1f} s")
        fl = floor(data, args.segments, args.floor_sample)
        print(
            f"floor (sample of {fl['sampled']} segments): fit {fl['fit_per_model_ms']:.2f} ms/model, "
            f"predict {fl['predict_per_model_ms']:.2f} ms/model"
        )

        conf = {"spark.driver.memory": "4g", "spark.sql.shuffle.partitions": "8"}
        spark = get_spark(f"local[{CORES}]", app_name="bench-segmented", conf=conf)
        spark.sparkContext.addPyFile(str(Path(__file__).parent / "_light_linear.py"))
        sdf = spark.read.parquet(str(data))
        spark.range(10).selectExpr("id").toPandas()

        model = SegmentedModel(base_model(), "segment", min_rows=10, fallback="global")
        t0 = time.perf_counter()
        fitted = fit_segmented(model, sdf, buckets=args.buckets, global_max_rows=500_000)
        fit_s = time.perf_counter() - t0
        statuses = fitted.segment_table_["status"].value_counts().to_dict()
        in_run_floor = float(fitted.segment_table_["fit_seconds"].sum()) / CORES

        grouping_s = None
        if args.compare_grouping:
            t0 = time.perf_counter()
            fit_segmented(model, sdf, buckets=None, global_max_rows=500_000)
            grouping_s = time.perf_counter() - t0

        saved = work / "model"
        t0 = time.perf_counter()
        fitted.save(saved)
        save_s = time.perf_counter() - t0
        size = folder_size(saved)
        shards = len(list((saved / "shards").iterdir()))

        t0 = time.perf_counter()
        loaded = load_model(saved)
        load_verified_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        lazy = SegmentedModel._load_payload(saved)
        load_index_s = time.perf_counter() - t0
        assert isinstance(loaded, SegmentedModel) and lazy.store_.unpickled == 0
        rng = np.random.default_rng(1)
        lazy.segment_model(int(rng.integers(args.segments)))
        one_ms = []
        for seg in rng.choice(args.segments, 200, replace=False).tolist():
            t0 = time.perf_counter()
            lazy.segment_model(seg)
            one_ms.append(1e3 * (time.perf_counter() - t0))
        one_row = pd.DataFrame({"segment": [7], "x1": [0.1], "x2": [0.2], "x3": [0.3]})
        t0 = time.perf_counter()
        SegmentedModel._load_payload(saved).predict(one_row)
        first_call_ms = 1e3 * (time.perf_counter() - t0)

        predict_s = predict_in_run = float("nan")
        if not args.skip_predict:
            t0 = time.perf_counter()
            scored = predict_segmented(str(saved), sdf, keep_columns=["id"], buckets=args.buckets)
            scored.write.format("noop").mode("overwrite").save()
            predict_s = time.perf_counter() - t0
            predict_in_run = in_run_predict_floor(saved, sdf, args.buckets)

        after = floor(data, args.segments, args.floor_sample)
        for key in ("fit_floor_s", "predict_floor_s", "fit_per_model_ms", "predict_per_model_ms"):
            fl[key] = (fl[key] + after[key]) / 2
        n_rows = args.segments * args.rows
        fit_floor, predict_floor = fl["fit_floor_s"], fl["predict_floor_s"]
        lines = [
            f"SegmentedModel({base_model()!r}), {args.segments:,} segments x {args.rows} rows ({n_rows:,} rows), "
            f"local[{CORES}]",
            f"statuses: {statuses}",
            f"floor = bare base-model time / {CORES} cores (sampled before and after the Spark jobs): "
            f"fit {fl['fit_per_model_ms']:.2f} ms/model, predict {fl['predict_per_model_ms']:.2f} ms/model",
            f"fit (Spark, one job + global fallback on 500k sampled rows): {fit_s:.1f} s; "
            f"floor {fit_floor:.1f} s; ratio {fit_s / fit_floor:.2f}x",
            f"  in-run floor (executors' own per-segment fit seconds / {CORES}): {in_run_floor:.1f} s; "
            f"ratio {fit_s / in_run_floor:.2f}x",
        ]
        if grouping_s is not None:
            lines.append(
                f"  with groupBy(segment) instead of buckets: {grouping_s:.1f} s; ratio {grouping_s / fit_floor:.2f}x"
            )
        lines += [
            f"predict (Spark, one job, noop sink): {predict_s:.1f} s; floor {predict_floor:.1f} s; "
            f"ratio {predict_s / predict_floor:.2f}x",
            f"  in-run floor (executors' own per-segment predict seconds / {CORES}, a second job): "
            f"{predict_in_run:.1f} s; ratio {predict_s / predict_in_run:.2f}x",
            f"artifact: {size / 2**20:.1f} MiB in {shards} shard(s), {size / args.segments:.0f} B/segment; "
            f"save {save_s:.2f} s",
            f"load: with sha256 of every shard {load_verified_s * 1e3:.0f} ms; index only {load_index_s * 1e3:.0f} ms",
            f"one segment's model on first use: median {statistics.median(one_ms):.3f} ms, "
            f"p99 {np.percentile(one_ms, 99):.3f} ms; open index + predict one row {first_call_ms:.1f} ms",
        ]
        print("\n" + "\n".join(lines))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
