"""``on_kill`` stops the whole Spark job: the JVM, the Python driver and Spark's Python workers."""

from __future__ import annotations

import os
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest

from yotml_airflow.errors import JobError
from yotml_airflow.operators import YotmlSparkJobOperator
from yotml_airflow.operators._submit import session_members

SLOW_APP = textwrap.dedent(
    """
    import sys, time
    from pyspark.sql import SparkSession

    marker = sys.argv[sys.argv.index("--marker") + 1]
    spark = SparkSession.builder.getOrCreate()

    def slow(batches):
        open(marker, "w").write("started")
        time.sleep(600)
        yield from batches

    spark.range(4).repartition(2).mapInPandas(slow, "id long").collect()
    """
)


class SlowJobOperator(YotmlSparkJobOperator):
    """A yotml operator whose application is a deliberately endless Spark job."""

    job: ClassVar[str] = "slow"

    def __init__(self, *, app: str, marker: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.marker = marker

    def application(self) -> str:
        return self.app

    def _job_args(self) -> list[str]:
        return ["--marker", self.marker]


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if token.encode() in environ:
            found.append(int(entry))
    return found


@pytest.mark.slow
def test_on_kill_leaves_no_process_of_the_job(tmp_path: Path, spark_local_conn: str) -> None:
    app = tmp_path / "slow_app.py"
    app.write_text(SLOW_APP)
    marker = tmp_path / "started"
    token = f"yotml-kill-{uuid.uuid4().hex}"
    op = SlowJobOperator(task_id="slow", app=str(app), marker=str(marker), env_vars={"YOTML_KILL_TOKEN": token})
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            op.execute({})
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not marker.exists() and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.5)
    assert marker.exists(), f"the slow job never started its Python worker: {outcome}"
    running = _processes_with(token)
    assert len(running) >= 3, running
    session = op._hook.process_group
    assert set(running) <= set(session_members(session)), "every job process runs in the job's session"

    op.on_kill()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), JobError)
    deadline = time.monotonic() + 10
    while _processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with(token) == []
    assert session_members(session) == []
