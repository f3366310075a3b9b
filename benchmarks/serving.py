"""Real-time serving benchmark: ``yotml serve`` vs ``mlflow models serve`` for the same registry model.

Both servers serve ``models:/churn@champion`` (a GradientBoosting churn classifier wrapped in a
yotml ``SklearnModel``, logged once with ``yotml_airflow.tracking.log_model``) from the same
temporary SQLite registry, each as one process with one worker on loopback, started in this run.
MLflow gets ``--env-manager local`` (no environment build) and ``MLFLOW_MODELS_WORKERS=1``.

Both servers run at once; measurements alternate between them for ``--rounds`` rounds (so drifting
machine load hits both alike), the other server idle while one is measured:
- latency: one kept-alive connection, ``--requests`` sequential single-record requests after a
  warm-up; p50 / p99 / mean in milliseconds over all rounds;
- throughput: ``--clients`` client processes, each sending ``--requests`` single-record requests
  over one kept-alive connection; requests per second, median of the rounds.
The load generator is a minimal raw-socket HTTP/1.1 client (``RawClient``), so it costs far
less CPU than the servers it measures.

Run: ``uv run python benchmarks/serving.py`` (about a minute; loopback only, bounded loops).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

FEATURES = [f"f{i}" for i in range(8)] + ["tenure", "spend"]


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"f{i}": rng.normal(size=n) for i in range(8)})
    df["tenure"] = rng.integers(0, 72, n)
    df["spend"] = rng.gamma(2.0, 40.0, n)
    score = df["f0"] - 0.03 * df["tenure"] + 0.01 * df["spend"] + rng.normal(0, 1, n)
    df["churned"] = (score > score.median()).astype(int)
    return df


def register_model(n_trees: int) -> pd.DataFrame:
    from sklearn.ensemble import GradientBoostingClassifier

    from yotml_airflow.models import SklearnModel
    from yotml_airflow.tracking import log_model, promote

    df = make_data(5000)
    model = SklearnModel(
        GradientBoostingClassifier(n_estimators=n_trees, max_depth=3, random_state=0),
        features=FEATURES,
        target="churned",
    ).fit(df)
    info = log_model(model, "churn", data=df)
    promote("churn", info.version or 1, "champion")
    return df


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(url: str, payload: Any, process: subprocess.Popen, log: Path, timeout: float = 300) -> float:
    began = time.monotonic()
    with httpx.Client(timeout=5) as client:
        while time.monotonic() - began < timeout:
            if process.poll() is not None:
                raise SystemExit(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if client.post(url, json=payload).status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
    raise SystemExit(f"server not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class RawClient:
    """A minimal HTTP/1.1 keep-alive client over one socket: pre-encoded requests, Content-Length responses.

    The load generator must cost far less than the servers it measures; httpx costs about as much
    CPU per request as the fast server itself, a raw socket a few tens of microseconds.
    """

    def __init__(self, url: str):
        parsed = httpx.URL(url)
        self.host, self.port, self.path = parsed.host, parsed.port, parsed.raw_path.decode()
        self.sock = socket.create_connection((self.host, self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def encode(self, payload: Any) -> bytes:
        body = json.dumps(payload).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def send(self, request: bytes) -> int:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return status

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def latency(url: str, payloads: list[Any], warmup: int = 100) -> np.ndarray:
    client = RawClient(url)
    requests = [client.encode(p) for p in payloads]
    try:
        for i in range(warmup):
            client.send(requests[i % len(requests)])
        times = np.empty(len(requests))
        for i, request in enumerate(requests):
            began = time.perf_counter()
            if client.send(request) != 200:
                raise SystemExit(f"{url} answered an error during the latency run")
            times[i] = time.perf_counter() - began
    finally:
        client.close()
    return times * 1000


def _client_loop(url: str, payloads: list[Any], start_at: float, queue: Any) -> None:
    client = RawClient(url)
    requests = [client.encode(p) for p in payloads]
    client.send(requests[0])
    while time.time() < start_at:
        time.sleep(0.001)
    began = time.perf_counter()
    failures = sum(client.send(r) != 200 for r in requests)
    queue.put((began, time.perf_counter(), failures))
    client.close()


def throughput(url: str, payloads: list[Any], clients: int) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=_client_loop, args=(url, payloads, start_at, queue)) for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    began = min(r[0] for r in results)
    ended = max(r[1] for r in results)
    return clients * len(payloads) / (ended - began), sum(r[2] for r in results)


def _cpu_us(fn: Any, n: int = 300) -> float:
    for _ in range(20):
        fn()
    began = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - began) / n * 1e6


def breakdown(record: dict[str, Any]) -> dict[str, float]:
    """CPU microseconds per stage of one single-record request, in this process (no HTTP)."""
    from yotml_airflow.serving import load_served
    from yotml_airflow.serving._codec import dumps, encode_records, parse_json, records_from_columns

    served = load_served("models:/churn@champion")
    body = json.dumps(record).encode()
    payload = parse_json(body)
    records = served.validator.records(payload)
    columns = served.validator.columns(records)
    frame = served.validator.build_frame(columns)
    out = served.model.predict(frame)
    fast = served.fast_path
    assert fast is not None and records_from_columns(fast(columns)) == encode_records(out)
    return {
        "JSON parse": _cpu_us(lambda: parse_json(body)),
        "validate fields": _cpu_us(lambda: served.validator.columns(served.validator.records(payload))),
        "build DataFrame": _cpu_us(lambda: served.validator.build_frame(columns)),
        "Model.predict (pandas)": _cpu_us(lambda: served.model.predict(frame)),
        "fast path (numpy, equal)": _cpu_us(lambda: fast(columns)),
        "encode + JSON dump": _cpu_us(lambda: dumps({"predictions": encode_records(out)})),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per latency run and per client")
    parser.add_argument("--clients", type=int, default=2, help="client processes for the throughput run")
    parser.add_argument("--trees", type=int, default=100, help="GradientBoosting trees")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurement rounds (load drift evens out)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="yotml-bench-serving-"))
    uri = f"sqlite:///{work / 'mlflow.db'}"
    os.environ.update(MLFLOW_TRACKING_URI=uri, MLFLOW_REGISTRY_URI=uri, YOTML_ARTIFACT_ROOT=str(work / "artifacts"))
    print(f"registering the model in {uri} ...", flush=True)
    df = register_model(args.trees)
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in df[FEATURES].sample(args.requests, replace=True, random_state=1).to_dict("records")
    ]

    stages = breakdown(records[0])
    print("where a single-record request spends CPU (in-process, microseconds):")
    for stage, us in stages.items():
        print(f"  {stage:<28}{us:>9.0f}")

    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, MLFLOW_MODELS_WORKERS="1", PYTHONWARNINGS="ignore")
    port_ours, port_mlflow = _free_port(), _free_port()
    servers = {
        "yotml serve": (
            [
                str(bin_dir / "yotml"),
                "serve",
                "--model",
                "models:/churn@champion",
                "--port",
                str(port_ours),
                "--log-level",
                "warning",
            ],
            f"http://127.0.0.1:{port_ours}/predict",
            records,
        ),
        "mlflow models serve": (
            [
                str(bin_dir / "mlflow"),
                "models",
                "serve",
                "-m",
                "models:/churn@champion",
                "--env-manager",
                "local",
                "-p",
                str(port_mlflow),
                "-h",
                "127.0.0.1",
            ],
            f"http://127.0.0.1:{port_mlflow}/invocations",
            [{"dataframe_records": [r]} for r in records],
        ),
    }
    processes = {}
    answers: dict[str, Any] = {}
    try:
        for name, (command, url, payloads) in servers.items():
            log = work / f"{name.split()[0]}.log"
            processes[name] = process = start(command, env, log)
            ready = wait_ready(url, payloads[0], process, log)
            answers[name] = httpx.post(url, json=payloads[0]).json()["predictions"]
            print(f"{name}: ready in {ready:.1f}s", flush=True)
        samples: dict[str, list[np.ndarray]] = {name: [] for name in servers}
        rates: dict[str, list[float]] = {name: [] for name in servers}
        failed: dict[str, int] = dict.fromkeys(servers, 0)
        for round_ in range(args.rounds):
            order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
            for name in order:
                _, url, payloads = servers[name]
                samples[name].append(latency(url, payloads))
                rps, failures = throughput(url, payloads, args.clients)
                rates[name].append(rps)
                failed[name] += failures
                print(
                    f"round {round_ + 1}/{args.rounds} {name}: p50 {np.percentile(samples[name][-1], 50):.2f} ms, "
                    f"{rps:.0f} req/s",
                    flush=True,
                )
    finally:
        for process in processes.values():
            stop(process)
    results: dict[str, dict[str, float]] = {}
    for name in servers:
        times = np.concatenate(samples[name])
        results[name] = {
            "p50": float(np.percentile(times, 50)),
            "p99": float(np.percentile(times, 99)),
            "mean": float(times.mean()),
            "rps": float(np.median(rates[name])),
            "failures": failed[name],
        }

    ours, theirs = results["yotml serve"], results["mlflow models serve"]
    same = answers["yotml serve"] == answers["mlflow models serve"]
    print(f"\nsingle-record predictions, GradientBoosting({args.trees} trees) on {len(FEATURES)} features, loopback,")
    print(
        f"one server process each, {args.rounds} alternating rounds of {args.requests} requests, "
        f"{args.clients} client processes for throughput (median of rounds); load average {os.getloadavg()[0]:.1f}"
    )
    print(f"same prediction from both servers: {same}")
    print(f"{'server':<22}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'req/s':>9}{'failed':>8}")
    for name, r in results.items():
        print(f"{name:<22}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['mean']:>9.2f}{r['rps']:>9.0f}{r['failures']:>8.0f}")
    print(
        f"ratio yotml/mlflow: throughput x{ours['rps'] / theirs['rps']:.2f}, "
        f"p50 latency x{theirs['p50'] / ours['p50']:.2f} lower, p99 latency x{theirs['p99'] / ours['p99']:.2f} lower"
    )
    print(
        f"targets: p99 < 10 ms -> {ours['p99']:.2f} ms ({'met' if ours['p99'] < 10 else 'NOT met'}); "
        f">= 3x MLflow throughput -> x{ours['rps'] / theirs['rps']:.2f} "
        f"({'met' if ours['rps'] >= 3 * theirs['rps'] else 'NOT met'})"
    )


def _free_port() -> int:
    from yotml_airflow.serving import free_port

    return free_port()


if __name__ == "__main__":
    main()
