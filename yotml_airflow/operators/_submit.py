"""``SparkSubmitHook`` with two additions a yotml job needs: its Python error, and a clean kill.

- The hook keeps only the last lines of spark-submit's output, and after a Python failure those
  are the JVM's shutdown chatter. ``JobSubmitHook`` also keeps the job's last Python traceback and
  error line, so the task fails with the job's own message.
- spark-submit runs in its own session; ``kill_tree`` stops every process of it (JVM, Python
  driver, Spark's Python daemon and workers), not only the JVM the provider's ``on_kill`` kills.

Example:
    >>> errors = PythonErrorTracker()
    >>> for line in ["INFO x", "Traceback (most recent call last):", '  File "a.py", line 1', "ValueError: bad"]:
    ...     errors.feed(line)
    >>> errors.error_line
    'ValueError: bad'
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook

from yotml_airflow.errors import JobError

_TRACEBACK_START = "Traceback (most recent call last):"
_ERROR_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$")
_JOB_ERROR_LINE = re.compile(r"^yotml \S+: error: .+")


class PythonErrorTracker:
    """Remember the last Python traceback and error line seen in a stream of log lines."""

    def __init__(self, max_lines: int = 80) -> None:
        self.traceback: deque[str] = deque(maxlen=max_lines)
        self.error_line: str | None = None
        self.job_error_line: str | None = None
        self._in_traceback = False

    def feed(self, line: str) -> None:
        """Look at one (stripped) log line."""
        if line.startswith(_TRACEBACK_START):
            self.traceback.clear()
            self._in_traceback = True
        if _JOB_ERROR_LINE.match(line):
            self.job_error_line = line
        if not self._in_traceback:
            return
        self.traceback.append(line)
        if _ERROR_LINE.match(line):
            self.error_line = line

    @property
    def message(self) -> str | None:
        """The job's one-line error: its own ``yotml <job>: error: ...`` line, else the traceback's last error."""
        return self.job_error_line or self.error_line


class JobSubmitHook(SparkSubmitHook):
    """``SparkSubmitHook`` that tracks the job's Python error and runs spark-submit in its own session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.python_errors = PythonErrorTracker()
        self.process_group: int | None = None

    def submit(self, application: str = "", **kwargs: Any) -> str | None:
        """Run spark-submit in a new session so that a kill reaches every process of the job."""
        kwargs.setdefault("start_new_session", True)
        return super().submit(application, **kwargs)

    def submit_and_wait(self, application: str) -> None:
        """Submit, then wait for the job's real end state.

        In standalone cluster mode spark-submit exits 0 as soon as the driver is accepted, whatever
        the driver does next: poll the driver's status until it ends, and fail unless it FINISHED.
        (YARN cluster mode waits for the application and reports its final status itself.)
        """
        self.submit(application)
        if not self._should_track_driver_status:
            return
        try:
            self._start_driver_status_tracking()
        finally:
            self._run_post_submit_commands()
        if self._driver_status != "FINISHED":
            raise JobError(
                f"the Spark driver {self._driver_id} ended {self._driver_status}; spark-submit itself exited 0, "
                "as it does in cluster mode once the driver is accepted"
            )

    def _process_spark_submit_log(self, itr: Iterator[Any]) -> None:
        if self._submit_sp is not None:
            self.process_group = self._submit_sp.pid
        super()._process_spark_submit_log(self._tracked(itr))

    def _tracked(self, itr: Iterator[Any]) -> Iterator[Any]:
        for line in itr:
            self.python_errors.feed(line.rstrip())
            yield line

    def kill_tree(self, grace_seconds: float = 10.0) -> None:
        """Stop the job: SIGTERM its session, let the provider kill cluster-side drivers, then SIGKILL the rest."""
        session = self.process_group
        _signal_session(session, signal.SIGTERM)
        leader = self._submit_sp
        deadline = time.monotonic() + grace_seconds
        while leader is not None and leader.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        self.on_kill()
        deadline = time.monotonic() + grace_seconds
        while session_members(session) and time.monotonic() < deadline:
            _signal_session(session, signal.SIGKILL)
            time.sleep(0.1)


def session_members(session: int | None) -> list[int]:
    """The processes of a session (Linux ``/proc``), e.g. Spark's Python daemon in its own process group."""
    if session is None or not os.path.isdir("/proc"):
        return []
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 3 and fields[3] == str(session) and fields[0] != "Z":
            members.append(int(entry))
    return members


def _signal_session(session: int | None, sig: signal.Signals) -> None:
    if session is None:
        return
    try:
        os.killpg(session, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in session_members(session):
        _signal_pid(pid, sig)


def _signal_pid(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
