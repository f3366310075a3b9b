"""The ``stream`` job survives SIGKILL in the middle of a micro-batch: nothing lost, duplicates only
from the interrupted micro-batch. The job runs in its own process (its own Spark session)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from yotml_airflow.models import save_model

HERE = Path(__file__).resolve().parent
N_PER_PARTITION = 90
STALL_OFFSET = 40  # in partition 1; with 60 records per trigger (30 per partition) it is in micro-batch 1


def _stall_model_class():
    sys.path.insert(0, str(HERE))
    try:
        from _stall_model import StallOnceModel
    finally:
        sys.path.remove(str(HERE))
    return StallOnceModel


def _job(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "yotml_airflow.jobs", "stream", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _batch_end(checkpoint: Path, batch_id: int, topic: str) -> dict[int, int]:
    lines = (checkpoint / "offsets" / str(batch_id)).read_text().splitlines()
    return {int(p): o for p, o in json.loads(lines[2])[topic].items()}


def _latest(folder: Path) -> int:
    ids = [int(p.name) for p in folder.iterdir() if p.name.isdigit()] if folder.exists() else []
    return max(ids, default=-1)


@pytest.mark.slow
def test_sigkill_mid_micro_batch_loses_nothing_and_duplicates_only_that_batch(kafka_broker, tmp_path):
    source, sink = kafka_broker.topic("in", partitions=2), kafka_broker.topic("out")
    for partition in (0, 1):
        kafka_broker.produce(
            source,
            [
                (f"p{partition}-{i}", json.dumps({"x": i, "stall": 120 if (partition, i) == (1, STALL_OFFSET) else 0}))
                for i in range(N_PER_PARTITION)
            ],
            partition=partition,
        )
    marker, checkpoint, log = tmp_path / "stalled", tmp_path / "checkpoint", tmp_path / "job.log"
    model = _stall_model_class()(marker=str(marker)).fit(pd.DataFrame({"x": [1.0], "stall": [0.0]}))
    save_model(model, tmp_path / "model")
    args = [
        "--model",
        str(tmp_path / "model"),
        "--bootstrap-servers",
        kafka_broker.bootstrap,
        "--input-topic",
        source,
        "--output-topic",
        sink,
        "--checkpoint",
        str(checkpoint),
        "--trigger",
        "availableNow",
        "--max-offsets-per-trigger",
        "60",
        "--model-name",
        "stall",
        "--model-version",
        "1",
    ]

    job = _job(args, log)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert job.poll() is None, f"the job ended before stalling:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "the job never reached the stalling record"
            time.sleep(0.2)
        interrupted = _latest(checkpoint / "offsets")
        start, end = _batch_end(checkpoint, interrupted - 1, source), _batch_end(checkpoint, interrupted, source)
        assert start[1] <= STALL_OFFSET < end[1] and _latest(checkpoint / "commits") == interrupted - 1
        # wait until the other partition's share of this micro-batch is in the output topic, then kill
        while not any(
            json.loads(m.value())["source_partition"] == 0 and json.loads(m.value())["source_offset"] >= start[0]
            for m in kafka_broker.consume(sink, idle=0.5, timeout=5)
        ):
            assert time.monotonic() < deadline, "partition 0's part of the stalled micro-batch was never written"
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
        job.wait(30)
    assert _latest(checkpoint / "commits") == interrupted - 1, "the interrupted micro-batch must not be committed"

    restarted = _job([*args, "--result-path", str(tmp_path / "result.json")], log)
    assert restarted.wait(300) == 0, log.read_text()[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    # the restart re-runs the interrupted micro-batch and the rest: every record from `start` on, once
    assert result["records"] == result["input_rows"] == 2 * N_PER_PARTITION - sum(start.values())
    assert result["predictions"] == result["records"] and result["dead_letters"] == 0

    out = kafka_broker.consume(sink, expected=2 * N_PER_PARTITION)
    keys = [m.key().decode() for m in out]
    assert set(keys) == {f"p{p}-{i}" for p in (0, 1) for i in range(N_PER_PARTITION)}, "records were lost"
    seen: dict[str, int] = {}
    for message in out:
        seen[message.key().decode()] = seen.get(message.key().decode(), 0) + 1
    duplicated = [json.loads(m.value()) for m in out if seen[m.key().decode()] > 1]
    assert duplicated, "partition 0's share of the interrupted micro-batch was written twice"
    assert max(seen.values()) == 2
    for record in duplicated:
        p, offset = record["source_partition"], record["source_offset"]
        assert start[p] <= offset < end[p], f"duplicate outside the interrupted micro-batch: {record}"
        assert record["prediction"] == 2.0 * offset and (record["model_name"], record["model_version"]) == ("stall", 1)
