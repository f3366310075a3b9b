"""Streaming throughput and end-to-end lag: Kafka -> Spark Structured Streaming (local[2]) -> Kafka.

A producer sends JSON records at a fixed rate for a while; ``stream_predictions`` scores them with
a processing-time trigger; a consumer reads the predictions. For each prediction the lag is the
output record's Kafka timestamp (when Spark's producer sent it) minus the time the input record
was produced (carried in the record). A warm-up burst (2,000 records/s) runs first and is not
measured: the first micro-batches start the Python workers and unpickle the model. Reported per
offered rate: delivered throughput (records/s over the steady window), p50/p95/max lag, whether
the query kept up, and the ratio against the baseline: plain single-process pandas
``model.predict`` on the same records (the model's own cost).

Target: 10,000 records/s with p95 lag < 2 s on local[2].

    uv run python benchmarks/streaming.py                       # starts its own broker
    uv run python benchmarks/streaming.py --rates 5000,10000,20000 --duration 30 \\
        --trigger "processingTime=500 milliseconds"
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FEATURES = [f"f{i}" for i in range(6)]


def make_model():
    from sklearn.linear_model import LogisticRegression

    from yotml_airflow.models import SklearnModel

    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.normal(size=(2000, len(FEATURES))), columns=FEATURES)
    train["target"] = (train["f0"] + train["f1"] > 0).astype(int)
    return SklearnModel(LogisticRegression(), features=FEATURES, target="target").fit(train)


def start_broker(data_dir: str) -> str:
    env = {**os.environ, "KAFKA_DATA_DIR": data_dir}
    out = subprocess.run(["bash", str(ROOT / "scripts/kafka.sh"), "start"], env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return out.stdout.strip().splitlines()[-1]


def stop_broker(data_dir: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts/kafka.sh"), "stop"], env={**os.environ, "KAFKA_DATA_DIR": data_dir})


def create_topics(bootstrap: str, partitions: int) -> tuple[str, str]:
    from confluent_kafka.admin import AdminClient, NewTopic

    tag = uuid.uuid4().hex[:6]
    source, sink = f"bench-in-{tag}", f"bench-out-{tag}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(source, partitions, 1), NewTopic(sink, partitions, 1)]).values():
        future.result(30)
    return source, sink


def produce(bootstrap: str, topic: str, rate: int, duration: float, payloads: list[str], sent: list[int]) -> None:
    """Send ``rate`` records/s for ``duration`` s in 10 ms slices; each carries its send time in ms."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "queue.buffering.max.messages": 1_000_000})
    start = time.time()
    n = 0
    while (now := time.time()) - start < duration:
        due = int((now - start) * rate)
        ms = int(now * 1000)
        while n < due:
            body = payloads[n % len(payloads)]
            producer.produce(topic, key=str(n), value=body[:-1] + f', "sent_ms": {ms}}}')
            n += 1
            if n % 5000 == 0:
                producer.poll(0)
        producer.poll(0)
        time.sleep(0.01)
    producer.flush(60)
    sent.append(n)


def consume(bootstrap: str, topic: str, stop: threading.Event, lags: list[tuple[float, float]]) -> None:
    """Collect ``(arrival time s, lag ms)`` of every prediction until ``stop`` is set."""
    from confluent_kafka import Consumer

    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    while not stop.is_set():
        for msg in consumer.consume(num_messages=5000, timeout=0.2):
            if msg.error():
                continue
            value = msg.value()
            i = value.find(b'"sent_ms":"')
            sent_ms = int(value[i + 11 : value.index(b'"', i + 11)])
            out_ms = msg.timestamp()[1]
            lags.append((out_ms / 1000.0, float(out_ms - sent_ms)))
    consumer.close()


def baseline_rate(model, payloads: list[str]) -> float:
    frame = pd.DataFrame([json.loads(p) for p in payloads])[FEATURES]
    big = pd.concat([frame] * max(1, 100_000 // len(frame)), ignore_index=True)
    start = time.perf_counter()
    model.predict(big)
    return len(big) / (time.perf_counter() - start)


def run_rate(spark, model, bootstrap, rate, args, payloads) -> dict:
    from yotml_airflow.spark import stream_predictions

    source, sink = create_topics(bootstrap, args.partitions)
    lags: list[tuple[float, float]] = []
    sent: list[int] = []
    stop = threading.Event()
    consumer = threading.Thread(target=consume, args=(bootstrap, sink, stop, lags), daemon=True)
    consumer.start()
    with tempfile.TemporaryDirectory() as checkpoint:
        query = stream_predictions(
            model,
            bootstrap,
            source,
            sink,
            checkpoint,
            trigger=args.trigger,
            keep_fields=["sent_ms"],
            starting_offsets="earliest",
            spark=spark,
            wait=False,
            model_name="bench",
            model_version=1,
        )
        # warm up: the first micro-batches start Python workers and load the model; not measured
        warm: list[int] = []
        produce(bootstrap, source, 2000, args.warmup, payloads, warm)
        deadline = time.time() + 120
        while len(lags) < warm[0] and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        lags.clear()
        t0 = time.time()
        produce(bootstrap, source, rate, args.duration, payloads, sent)
        deadline = time.time() + args.drain
        while len(lags) < sent[0] and time.time() < deadline:
            time.sleep(0.5)
        query.stop()
    stop.set()
    consumer.join(10)
    arrivals = np.array([a for a, _ in lags])
    lag = np.array([v for _, v in lags])
    window = (arrivals >= t0 + args.duration * 0.2) & (arrivals <= t0 + args.duration)
    steady = window.sum() / (args.duration * 0.8) if window.any() else 0.0
    tail = lag[arrivals >= t0 + args.duration * 0.6] if len(lag) else lag
    return {
        "offered_per_s": rate,
        "sent": sent[0],
        "delivered": len(lags),
        "throughput_per_s": round(float(steady)),
        "lag_p50_ms": round(float(np.percentile(lag, 50))) if len(lag) else None,
        "lag_p95_ms": round(float(np.percentile(lag, 95))) if len(lag) else None,
        "lag_max_ms": round(float(lag.max())) if len(lag) else None,
        "late_p95_ms": round(float(np.percentile(tail, 95))) if len(tail) else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default=None, help="use this broker instead of starting one")
    parser.add_argument("--rates", default="5000,10000,20000")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of 2,000 records/s before measuring")
    parser.add_argument("--drain", type=float, default=30.0)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--trigger", default="processingTime=500 milliseconds")
    args = parser.parse_args()

    from yotml_airflow.spark import get_spark, kafka_spark_conf

    data_dir = tempfile.mkdtemp(prefix="bench-kafka-")
    bootstrap = args.bootstrap_servers or start_broker(data_dir)
    try:
        model = make_model()
        rng = np.random.default_rng(1)
        payloads = [
            json.dumps({f: round(float(v), 4) for f, v in zip(FEATURES, row)}) for row in rng.normal(size=(5000, 6))
        ]
        base = baseline_rate(model, payloads)
        spark = get_spark(
            "local[2]", app_name="yotml-bench-streaming", conf=kafka_spark_conf({"spark.sql.shuffle.partitions": "2"})
        )
        print(f"baseline: pandas model.predict, one process: {base:,.0f} records/s")
        print(f"trigger {args.trigger}, {args.partitions} partitions, {args.duration:.0f} s per rate, local[2]")
        for rate in [int(r) for r in args.rates.split(",")]:
            result = run_rate(spark, model, bootstrap, rate, args, payloads)
            kept_up = result["delivered"] >= result["sent"] and (result["late_p95_ms"] or 1e9) < 2000
            result["kept_up"] = kept_up
            result["vs_baseline"] = round(result["throughput_per_s"] / base, 3)
            result["vs_target_10k"] = round(result["throughput_per_s"] / 10_000, 2)
            print(json.dumps(result))
    finally:
        if not args.bootstrap_servers:
            stop_broker(data_dir)


if __name__ == "__main__":
    main()
