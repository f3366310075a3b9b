"""What differs on a cluster: master URLs and deploy modes from the connection, the job's real end state.

The submitted commands for YARN, Kubernetes and standalone masters are checked exactly. The status
tests run the operator against a stand-in ``spark-submit`` on PATH that behaves like standalone
cluster mode (it accepts the driver and exits 0 at once) and a loopback HTTP server standing in for
the master's REST API, which the provider's hook polls for the driver state and posts kills to. A
real YARN or Kubernetes cluster cannot run here; tests/operators/test_standalone.py runs a real
standalone master and worker in client mode.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from yotml_airflow.errors import JobError
from yotml_airflow.operators import BatchTransformOperator


def _op(**kwargs) -> BatchTransformOperator:
    return BatchTransformOperator(
        task_id="score", input="/data/in", output_path="/data/out", model_uri="models:/churn@champion", **kwargs
    )


def _conn(monkeypatch: pytest.MonkeyPatch, name: str, value: dict) -> str:
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", json.dumps(value))
    return name


def _flags(command: list[str]) -> dict[str, str]:
    return {command[i]: command[i + 1] for i in range(len(command) - 1) if command[i].startswith("--")}


def test_yarn_cluster_mode_comes_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _conn(
        monkeypatch,
        "spark_yarn",
        {"conn_type": "spark", "host": "yarn", "extra": {"deploy-mode": "cluster", "queue": "ml"}},
    )
    command = _op(conn_id=conn, py_files="/code/user_models.zip").spark_submit_command("/shared/r.json")
    flags = _flags(command)
    assert flags["--master"] == "yarn" and flags["--deploy-mode"] == "cluster" and flags["--queue"] == "ml"
    assert flags["--py-files"] == "/code/user_models.zip"
    assert command[-2:] == ["--result-path", "/shared/r.json"]


def test_kubernetes_master_and_namespace_come_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _conn(
        monkeypatch,
        "spark_k8s",
        {
            "conn_type": "spark",
            "host": "k8s://https://k8s.example:6443",
            "extra": {"deploy-mode": "cluster", "namespace": "ml"},
        },
    )
    command = _op(
        conn_id=conn, conf={"spark.kubernetes.container.image": "yotml-airflow:latest"}
    ).spark_submit_command()
    flags = _flags(command)
    assert flags["--master"] == "k8s://https://k8s.example:6443" and flags["--deploy-mode"] == "cluster"
    assert "spark.kubernetes.namespace=ml" in command
    assert "spark.kubernetes.container.image=yotml-airflow:latest" in command


def _fake_spark_submit(folder: Path, driver_state: str) -> None:
    """A stand-in for spark-submit in standalone cluster mode (accepts, exits 0; answers --status)."""
    script = folder / "spark-submit"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "if '--status' in args:\n"
        f'    print(\'  "driverState" : "{driver_state}",\')\n'
        "    sys.exit(0)\n"
        "if '--kill' in args:\n"
        "    sys.exit(0)\n"
        "print('Driver successfully submitted as driver-20261126000000-0007')\n"
        f"if {driver_state!r} == 'FINISHED':\n"
        "    path = args[args.index('--result-path') + 1]\n"
        "    json.dump({'output': '/data/out', 'rows': 3}, open(path, 'w'))\n"
        "sys.exit(0)\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


class _MasterRest(BaseHTTPRequestHandler):
    """``GET /v1/submissions/status/<driver>`` answered like Spark's standalone REST server."""

    state = "RUNNING"
    killed: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        type(self).killed.append(self.path)
        type(self).state = "KILLED"
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        driver = self.path.rsplit("/", 1)[-1]
        body = (
            "{\n"
            '  "action" : "SubmissionStatusResponse",\n'
            f'  "driverState" : "{self.state}",\n'
            f'  "submissionId" : "{driver}",\n'
            '  "success" : true\n'
            "}\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def master_rest() -> Iterator[tuple[int, type[_MasterRest]]]:
    handler = type("Handler", (_MasterRest,), {"killed": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()


@pytest.fixture()
def standalone_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, master_rest) -> type[_MasterRest]:
    port, handler = master_rest
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    _conn(
        monkeypatch,
        "spark_cluster",
        {
            "conn_type": "spark",
            "host": "spark://127.0.0.1",
            "port": 7077,
            "extra": {"deploy-mode": "cluster", "rest-port": str(port)},
        },
    )
    return handler


def test_a_driver_that_fails_after_spark_submit_exits_0_fails_the_task(standalone_cluster, tmp_path) -> None:
    _fake_spark_submit(tmp_path, "FAILED")
    standalone_cluster.state = "FAILED"
    op = _op(conn_id="spark_cluster", result_dir=str(tmp_path))
    assert op.get_hook()._should_track_driver_status
    with pytest.raises(JobError, match="driver-20261126000000-0007 ended FAILED"):
        op.execute({})


def test_a_finished_driver_gives_its_result(standalone_cluster, tmp_path) -> None:
    _fake_spark_submit(tmp_path, "FINISHED")
    standalone_cluster.state = "FINISHED"
    result = _op(conn_id="spark_cluster", result_dir=str(tmp_path)).execute({})
    assert result["rows"] == 3 and result["output"] == "/data/out"


def test_on_kill_kills_the_remote_driver(standalone_cluster, tmp_path) -> None:
    _fake_spark_submit(tmp_path, "RUNNING")
    op = _op(conn_id="spark_cluster", result_dir=str(tmp_path))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            op.execute({})
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while (op._hook is None or op._hook._driver_id is None) and time.monotonic() < deadline:
        time.sleep(0.1)
    op.on_kill()
    worker.join(timeout=60)
    assert standalone_cluster.killed == ["/v1/submissions/kill/driver-20261126000000-0007"]
    assert failure and "ended KILLED" in str(failure[0])
