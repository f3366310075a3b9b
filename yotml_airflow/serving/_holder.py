"""Hold the served model and swap in a new version when the registry alias moves (hot reload).

A background thread polls the source every ``reload_interval`` seconds. When the alias (or a
saved folder) points at something new, the new version is loaded in that thread, completely,
while requests keep using the old one; then one attribute assignment swaps it in. A request
reads ``holder.current`` once and uses that ``ServedModel`` to the end, so no request ever sees
half a swap. A failed poll or load is logged and retried at the next poll; the old version
keeps serving.

Example:
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from yotml_airflow.models import SklearnModel
    >>> folder = tempfile.mkdtemp() + "/m"
    >>> train = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 2.0]})
    >>> _ = SklearnModel(LinearRegression(), target="y").fit(train).save(folder)
    >>> holder = ModelHolder(folder)
    >>> holder.current.validator.schema
    {'x': 'numeric'}
    >>> holder.check_now()
    False
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from yotml_airflow.serving._source import ServedModel, current_fingerprint, load_served

log = logging.getLogger("yotml_airflow.serving")


class ModelHolder:
    """The currently served model version, with an optional background reload poller.

    Args:
        source: an MLflow model URI or a saved model folder.
        max_rows: the largest batch one request may carry.
        reload_interval: seconds between polls of the source; ``None`` or 0 disables reloading.
        tracking_uri: the MLflow store of a URI source (default: ``yotml_airflow.tracking.tracking_uri()``).
    """

    def __init__(
        self,
        source: str | Path,
        *,
        max_rows: int = 1000,
        reload_interval: float | None = None,
        tracking_uri: str | None = None,
    ):
        self.source = str(source)
        self.max_rows = max_rows
        self.reload_interval = reload_interval or None
        self.tracking_uri = tracking_uri
        self.current: ServedModel = load_served(source, max_rows=max_rows, tracking_uri=tracking_uri)
        self.reloads = 0
        self.last_error: str | None = None
        self.last_poll: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def check_now(self) -> bool:
        """Poll the source once; load and swap in a new version if it moved. True if swapped."""
        with self._lock:
            fingerprint = current_fingerprint(self.source, tracking_uri=self.tracking_uri)
            self.last_poll = time.time()
            if fingerprint == self.current.fingerprint:
                return False
            new = load_served(self.source, max_rows=self.max_rows, tracking_uri=self.tracking_uri)
            if new.fingerprint == self.current.fingerprint:
                return False
            old = self.current
            self.current = new
            self.reloads += 1
            log.info("yotml serve: swapped %s version %s -> %s", self.source, old.version, new.version)
            return True

    def _poll(self) -> None:
        assert self.reload_interval is not None
        while not self._stop.wait(self.reload_interval):
            try:
                self.check_now()
                self.last_error = None
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("yotml serve: reload of %s failed (still serving the old version): %s", self.source, exc)

    def start(self) -> None:
        """Start the reload poller (no-op when reloading is disabled or already running)."""
        if self.reload_interval is None or (self._thread is not None and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name="yotml-model-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reload poller and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def status(self) -> dict[str, Any]:
        """The reload state reported by ``GET /health``."""
        return {
            "reload_interval": self.reload_interval,
            "reloads": self.reloads,
            "last_poll": self.last_poll,
            "last_reload_error": self.last_error,
        }
