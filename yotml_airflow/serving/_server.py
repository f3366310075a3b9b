"""Run the prediction service on uvicorn, in the foreground (``serve``) or in a thread (``ServerThread``).

``ServerThread`` is the same uvicorn server started in a background thread of the current
process, on a free loopback port: handy in notebooks and tests.

Example::

    with ServerThread("models:/churn@champion", reload_interval=5) as server:
        YotmlClient(server.url).predict({"tenure": 3})
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from yotml_airflow.errors import ConfigError
from yotml_airflow.serving._app import create_app

log = logging.getLogger("yotml_airflow.serving")
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _config(app: Any, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_keep_alive=30,
    )


def serve(
    model: str | Path, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info", **options: Any
) -> None:
    """Serve ``model`` on ``host:port`` until interrupted (options as for ``create_app``)."""
    if host not in _LOOPBACK and not options.get("token"):
        log.warning("yotml serve: listening on %s without a token: anyone who can reach it can call it", host)
    app = create_app(model, **options)
    uvicorn.Server(_config(app, host, port, log_level)).run()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """A real uvicorn server for ``model`` in a background thread; ``url`` once started.

    Args:
        model: an MLflow URI or a saved model folder (or a ``ModelHolder``).
        host: interface to bind (loopback by default).
        port: TCP port; 0 picks a free one.
        options: passed to ``create_app`` (token, max_body_bytes, max_rows, reload_interval).
    """

    def __init__(
        self, model: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning", **options: Any
    ):
        self.app = create_app(model, **options)
        self.host = host
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self._server = uvicorn.Server(_config(self.app, host, self.port, log_level))
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> ServerThread:
        """Start serving and wait until the server accepts connections."""
        self._thread = threading.Thread(target=self._server.run, name="yotml-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(f"the prediction server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Ask uvicorn to shut down and wait for the thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
