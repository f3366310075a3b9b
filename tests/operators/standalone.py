"""A Spark standalone cluster on loopback (one master, one worker) started from the pyspark distribution."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def master_state(webui_port: int) -> dict:
    """The master's JSON status page (workers, active and completed applications)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui_port}/json/", timeout=2) as response:
            return dict(json.load(response))
    except OSError:
        return {}


def _alive_workers(webui_port: int) -> int:
    return sum(1 for worker in master_state(webui_port).get("workers", []) if worker.get("state") == "ALIVE")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def standalone_cluster(folder: Path, cores: int = 1, memory: str = "1g") -> Iterator[tuple[str, int]]:
    """Start a master and one worker on 127.0.0.1; yield (master URL, master web UI port); stop both on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    spark_class = str(Path(sys.executable).with_name("spark-class"))
    port, webui, worker_webui = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_MASTER_HOST": "127.0.0.1",
        "SPARK_WORKER_DIR": str(folder / "work"),
        "SPARK_LOCAL_DIRS": str(folder / "local"),
        "PYSPARK_PYTHON": sys.executable,
    }
    master_url = f"spark://127.0.0.1:{port}"
    logs = {name: open(folder / f"{name}.log", "w") for name in ("master", "worker")}
    master = subprocess.Popen(
        [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
         "--webui-port", str(webui)],
        env=env, stdout=logs["master"], stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    worker = None
    try:
        worker = subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.worker.Worker", master_url, "--cores", str(cores),
             "--memory", memory, "--host", "127.0.0.1", "--webui-port", str(worker_webui),
             "--work-dir", str(folder / "work")],
            env=env, stdout=logs["worker"], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while _alive_workers(webui) < 1:
            if time.monotonic() > deadline or master.poll() is not None or worker.poll() is not None:
                raise RuntimeError(
                    "the standalone cluster did not start:\n"
                    + (folder / "master.log").read_text()[-3000:]
                    + (folder / "worker.log").read_text()[-3000:]
                )
            time.sleep(1)
        yield master_url, webui
    finally:
        if worker is not None:
            _stop(worker)
        _stop(master)
        for log in logs.values():
            log.close()
