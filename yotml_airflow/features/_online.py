"""Online stores: the latest feature values per entity, for low-latency lookups.

``SqliteOnlineStore`` is the embedded default (one file, no server); ``RedisOnlineStore`` is the
production option behind the same interface. Values are stored as one JSON document per
(view, entity key), with the event timestamp they were true at.

Example:
    >>> store = SqliteOnlineStore(":memory:")
    >>> store.write("stats", [("c1", 1700000000, {"orders": 3})])
    >>> store.read("stats", ["c1", "c2"])
    [{'orders': 3}, None]
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from yotml_airflow.errors import ConfigError

Row = tuple[Any, int, dict[str, Any]]


class OnlineStore(Protocol):
    """Where materialized features live: ``write`` rows, ``read`` values by entity key."""

    def write(self, view: str, rows: Iterable[Row]) -> None:
        """Upsert ``(entity_key, event_ts_seconds, {feature: value})`` rows of ``view``."""

    def read(self, view: str, keys: Sequence[Any]) -> list[dict[str, Any] | None]:
        """The stored values for each key, ``None`` where the key has none."""

    def close(self) -> None:
        """Release connections."""


_REDIS_UPSERT_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'ts')
if (not current) or tonumber(current) <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'v', ARGV[2])
end
return 1
"""


def _table(view: str) -> str:
    if not view.isidentifier():
        raise ConfigError(f"view name {view!r} must be an identifier")
    return f"fv_{view}"


class SqliteOnlineStore:
    """Online store in one SQLite file (WAL mode; one connection shared under a lock).

    Args:
        path: the database file (created with its folder), or ``":memory:"``.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        self._known: set[str] = set()

    def _ensure(self, view: str) -> str:
        table = _table(view)
        if table not in self._known:
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (k TEXT PRIMARY KEY, ts INTEGER NOT NULL, v TEXT NOT NULL)"
            )
            self._known.add(table)
        return table

    def write(self, view: str, rows: Iterable[Row]) -> None:
        with self._lock:
            table = self._ensure(view)
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    f"INSERT INTO {table} (k, ts, v) VALUES (?, ?, ?) "
                    "ON CONFLICT(k) DO UPDATE SET ts = excluded.ts, v = excluded.v WHERE excluded.ts >= ts",
                    ((str(k), int(ts), json.dumps(values, default=str)) for k, ts, values in rows),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def read(self, view: str, keys: Sequence[Any]) -> list[dict[str, Any] | None]:
        table = _table(view)
        with self._lock:
            if table not in self._known:
                exists = self._conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)
                ).fetchone()
                if not exists:
                    return [None] * len(keys)
                self._known.add(table)
            if len(keys) == 1:
                row = self._conn.execute(f"SELECT v FROM {table} WHERE k = ?", (str(keys[0]),)).fetchone()
                return [json.loads(row[0]) if row else None]
            wanted = [str(k) for k in keys]
            found: dict[str, str] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(self._conn.execute(f"SELECT k, v FROM {table} WHERE k IN ({marks})", chunk).fetchall())
        return [json.loads(found[k]) if k in found else None for k in wanted]

    def close(self) -> None:
        self._conn.close()


class RedisOnlineStore:
    """Online store in Redis: one hash per (view, entity) with the values and their timestamp.

    Args:
        url: a Redis URL, e.g. ``redis://127.0.0.1:6379/0``.
        prefix: key prefix, so several projects can share a Redis.
    """

    def __init__(self, url: str, prefix: str = "yotml"):
        import redis

        self.url = url
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url)
        self._upsert = self._redis.register_script(_REDIS_UPSERT_IF_NEWER)

    def _key(self, view: str, key: Any) -> str:
        return f"{self.prefix}:{_table(view)}:{key}"

    def write(self, view: str, rows: Iterable[Row]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pending = 0
        for k, ts, values in rows:
            self._upsert(keys=[self._key(view, k)], args=[int(ts), json.dumps(values, default=str)], client=pipe)
            pending += 1
            if pending >= 1000:
                pipe.execute()
                pending = 0
        if pending:
            pipe.execute()

    def read(self, view: str, keys: Sequence[Any]) -> list[dict[str, Any] | None]:
        if len(keys) == 1:
            raw = [self._redis.hget(self._key(view, keys[0]), "v")]
        else:
            pipe = self._redis.pipeline(transaction=False)
            for k in keys:
                pipe.hget(self._key(view, k), "v")
            raw = pipe.execute()
        return [json.loads(r) if r is not None else None for r in raw]

    def close(self) -> None:
        self._redis.close()


def open_online_store(uri: str | OnlineStore) -> OnlineStore:
    """An online store from a URI: ``sqlite:///path.db`` (or a plain path) or ``redis://host:port/db``.

    >>> open_online_store("sqlite:///:memory:").read("v", ["x"])
    [None]
    """
    if not isinstance(uri, str):
        return uri
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisOnlineStore(uri)
    if uri.startswith("sqlite:///"):
        return SqliteOnlineStore(uri[len("sqlite:///") :])
    if "://" in uri:
        raise ConfigError(f"unsupported online store URI {uri!r}: use sqlite:///path.db or redis://host:port/db")
    return SqliteOnlineStore(uri)
