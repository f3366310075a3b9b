"""Feature store benchmark: online lookup latency and the offline point-in-time join.

- Online: p50/p99 of ``get_online_features`` for one entity on SQLite (target p99 < 1 ms), after
  materializing 100,000 entities. Redis is measured too when ``--redis-url`` is given.
- Offline: ``get_training_set`` for 1M entity rows against 10M feature rows (100,000 entities)
  on local[2], timed to a Parquet write (the join is lazy until written). Baseline for the ratio:
  the pure read-and-write of the same entity rows (the floor any join must pay).

Run: ``uv run python benchmarks/features.py [--entities 1000000 --history 10000000]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from yotml_airflow.features import FeatureStore, FeatureView, open_online_store
from yotml_airflow.spark import get_spark

T0 = datetime(2026, 1, 1)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_online(store: FeatureStore, keys: int, label: str, rounds: int = 20000) -> None:
    import random

    rng = random.Random(0)
    for _ in range(500):
        store.get_online_features([str(rng.randrange(keys))], ["stats:orders", "stats:spend"])
    times = []
    for _ in range(rounds):
        key = str(rng.randrange(keys))
        start = time.perf_counter()
        store.get_online_features([key], ["stats:orders", "stats:spend"])
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"online lookup, one entity, {label}: p50 {statistics.median(times):.3f} ms, "
        f"p99 {_percentile(times, 0.99):.3f} ms (target p99 < 1 ms) over {rounds} calls"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--history", type=int, default=10_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()

    from pyspark.sql import functions as F

    spark = get_spark("local[2]", conf={"spark.sql.shuffle.partitions": "16", "spark.driver.memory": "6g"})
    work = Path(tempfile.mkdtemp(prefix="yotml-bench-features-"))
    span = 86400 * 365
    history = spark.range(args.history).select(
        (F.col("id") % args.keys).cast("string").alias("customer_id"),
        F.timestamp_seconds(F.lit(int(T0.timestamp())) + F.abs(F.hash("id") % span).cast("long")).alias("event_ts"),
        F.rand(1).alias("orders"),
        F.rand(2).alias("spend"),
    )
    history.write.parquet(str(work / "history"))
    entities = spark.range(args.entities).select(
        F.abs(F.hash(F.col("id"), F.lit(7)) % args.keys).cast("string").alias("customer_id"),
        F.timestamp_seconds(F.lit(int(T0.timestamp())) + F.abs(F.hash("id") % span).cast("long")).alias(
            "event_timestamp"
        ),
        (F.col("id") % 2).alias("label"),
    )
    entities.write.parquet(str(work / "entities"))

    view = FeatureView(
        name="stats",
        entity="customer_id",
        timestamp="event_ts",
        features=["orders", "spend"],
        source=str(work / "history"),
        ttl=timedelta(days=30),
    )
    store = FeatureStore([view], online=f"sqlite:///{work / 'online.db'}", spark=spark)
    entity_sdf = spark.read.parquet(str(work / "entities"))

    start = time.perf_counter()
    entity_sdf.write.mode("overwrite").parquet(str(work / "floor"))
    floor = time.perf_counter() - start
    for attempt in range(2):
        start = time.perf_counter()
        store.get_training_set(entity_sdf, ["stats:orders", "stats:spend"]).write.mode("overwrite").parquet(
            str(work / "training")
        )
        took = time.perf_counter() - start
        print(
            f"point-in-time join {args.entities:,} entity rows x {args.history:,} feature rows, local[2], "
            f"run {attempt + 1}: {took:.1f} s ({args.entities / took:,.0f} entity rows/s; "
            f"{took / floor:.1f}x the read+write floor of {floor:.1f} s)"
        )

    start = time.perf_counter()
    written = store.materialize("stats", end_time=T0 + timedelta(days=366))
    print(f"materialize: {written:,} entities in {time.perf_counter() - start:.1f} s")
    bench_online(store, args.keys, "SQLite")
    if args.redis_url:
        redis_store = FeatureStore([view], online=open_online_store(args.redis_url), spark=spark)
        redis_store.materialize("stats", end_time=T0 + timedelta(days=366))
        bench_online(redis_store, args.keys, "Redis")
    spark.stop()


if __name__ == "__main__":
    main()
