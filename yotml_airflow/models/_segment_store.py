"""Packed storage of many pickled models keyed by segment, loaded lazily with an LRU cache.

100,000 segment models are not 100,000 files: they are written as a few Arrow IPC *shards*
(``shards/shard-00000.arrow``: one record batch of ``segment`` and ``model`` bytes) plus an
``index.arrow`` mapping each segment to its shard and row. Opening a store memory-maps the
shards and reads only their footers and the index; a segment's model is unpickled on its first
use (a zero-copy slice of the mapped file) and kept in a bounded LRU cache.

Example:
    >>> import pickle, tempfile
    >>> from pathlib import Path
    >>> store = SegmentStore.from_blobs({"a": pickle.dumps(1), "b": pickle.dumps(2)})
    >>> folder = Path(tempfile.mkdtemp())
    >>> store.write(folder)
    >>> SegmentStore.open(folder).get("b")
    2
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

from yotml_airflow.errors import ModelIntegrityError

INDEX = "index.arrow"
SHARDS = "shards"
SHARD_MAX_ROWS = 16_384
SHARD_MAX_BYTES = 256 << 20


class SegmentStore:
    """``segment -> model``: pickled bytes in memory or in mapped shards, unpickled on demand.

    Args:
        positions: ``{segment: (shard, row)}``.
        shards: one sequence of bytes-like blobs per shard (a list, or a mapped Arrow array).
        cache_size: how many unpickled models to keep (least recently used are dropped).
    """

    def __init__(self, positions: dict[Hashable, tuple[int, int]], shards: list[Any], cache_size: int = 1024):
        self._positions = positions
        self._shards = shards
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.cache_size = cache_size
        self.unpickled = 0

    @classmethod
    def from_blobs(cls, blobs: Mapping[Hashable, bytes], cache_size: int = 1024) -> SegmentStore:
        """An in-memory store over ``{segment: pickled bytes}``."""
        keys = list(blobs)
        return cls({k: (0, i) for i, k in enumerate(keys)}, [[blobs[k] for k in keys]], cache_size)

    @classmethod
    def open(cls, folder: str | Path, cache_size: int = 1024) -> SegmentStore:
        """Open a written store: read the index and map the shards; no model is unpickled."""
        folder = Path(folder)
        try:
            index = _read_ipc(folder / INDEX)
            shard_paths = sorted((folder / SHARDS).glob("shard-*.arrow"))
            shards = [_map_shard(p) for p in shard_paths]
        except (OSError, pa.ArrowException) as exc:
            raise ModelIntegrityError(f"{folder}: the segment index or a shard is unreadable: {exc}") from exc
        segments = index.column("segment").to_pylist()
        shard_ids = index.column("shard").to_pylist()
        rows = index.column("row").to_pylist()
        if shard_ids and max(shard_ids) >= len(shards):
            raise ModelIntegrityError(f"{folder}: the segment index points at shard {max(shard_ids)} which is missing")
        return cls(dict(zip(segments, zip(shard_ids, rows))), shards, cache_size)

    def __len__(self) -> int:
        return len(self._positions)

    def __contains__(self, segment: object) -> bool:
        try:
            return segment in self._positions
        except TypeError:
            return False

    def segments(self) -> list[Hashable]:
        """Every segment that has a model, in storage order."""
        return list(self._positions)

    def blob(self, segment: Hashable) -> Any:
        """The pickled bytes (or a zero-copy buffer) of ``segment``'s model."""
        shard, row = self._positions[segment]
        return self._shards[shard][row]

    def get(self, segment: Hashable) -> Any:
        """The model of ``segment``, unpickled on first use; ``KeyError`` if it has none."""
        with self._lock:
            model = self._cache.get(segment)
            if model is not None:
                self._cache.move_to_end(segment)
                return model
        blob = self.blob(segment)
        try:
            model = pickle.loads(blob)
        except Exception as exc:
            raise ModelIntegrityError(f"the model of segment {segment!r} could not be unpickled: {exc}") from exc
        with self._lock:
            self.unpickled += 1
            self._cache[segment] = model
            while len(self._cache) > max(self.cache_size, 1):
                self._cache.popitem(last=False)
        return model

    def items(self) -> Iterator[tuple[Hashable, Any]]:
        """``(segment, blob)`` pairs in storage order (blobs are not unpickled)."""
        for segment in self._positions:
            yield segment, self.blob(segment)

    def write(self, folder: str | Path) -> None:
        """Write the shards and the index under ``folder`` (which must exist)."""
        folder = Path(folder)
        (folder / SHARDS).mkdir()
        segments: list[Hashable] = []
        shard_ids: list[int] = []
        rows: list[int] = []
        batch_keys: list[Hashable] = []
        batch_blobs: list[Any] = []
        size = 0
        shard = 0
        for segment, blob in self.items():
            batch_keys.append(segment)
            batch_blobs.append(blob)
            size += len(blob)
            if len(batch_keys) >= SHARD_MAX_ROWS or size >= SHARD_MAX_BYTES:
                _write_shard(folder, shard, batch_keys, batch_blobs)
                segments += batch_keys
                shard_ids += [shard] * len(batch_keys)
                rows += range(len(batch_keys))
                batch_keys, batch_blobs, size, shard = [], [], 0, shard + 1
        if batch_keys:
            _write_shard(folder, shard, batch_keys, batch_blobs)
            segments += batch_keys
            shard_ids += [shard] * len(batch_keys)
            rows += range(len(batch_keys))
        index = pa.table(
            {
                "segment": _key_array(segments),
                "shard": pa.array(shard_ids, pa.int32()),
                "row": pa.array(rows, pa.int32()),
            }
        )
        _write_ipc(folder / INDEX, index)

    def __getstate__(self) -> dict[str, Any]:
        keys = self.segments()
        return {"keys": keys, "blobs": [bytes(self.blob(k)) for k in keys], "cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        keys = state["keys"]
        self.__init__({k: (0, i) for i, k in enumerate(keys)}, [state["blobs"]], state["cache_size"])  # type: ignore[misc]


class _MappedShard:
    """One shard's ``model`` column over a memory-mapped file: ``shard[row]`` is a zero-copy buffer."""

    def __init__(self, path: Path):
        self.path = path
        source = pa.memory_map(str(path), "r")
        reader = ipc.open_file(source)
        if reader.num_record_batches != 1:
            raise ModelIntegrityError(f"{path}: a shard must hold one record batch, found {reader.num_record_batches}")
        self._models = reader.get_batch(0).column("model")

    def __len__(self) -> int:
        return len(self._models)

    def __getitem__(self, row: int) -> Any:
        return self._models[row].as_buffer()


def _map_shard(path: Path) -> _MappedShard:
    return _MappedShard(path)


def _key_array(keys: list[Hashable]) -> pa.Array:
    try:
        return pa.array(keys)
    except (pa.ArrowException, TypeError) as exc:
        raise ModelIntegrityError(f"segment keys must all be strings or all numbers to be stored: {exc}") from exc


def _write_shard(folder: Path, shard: int, keys: list[Hashable], blobs: list[Any]) -> None:
    table = pa.table({"segment": _key_array(keys), "model": pa.array(blobs, pa.large_binary())})
    _write_ipc(folder / SHARDS / f"shard-{shard:05d}.arrow", table, single_batch=True)


def _write_ipc(path: Path, table: pa.Table, single_batch: bool = False) -> None:
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        if single_batch:
            writer.write_batch(table.combine_chunks().to_batches()[0] if table.num_rows else _empty_batch(table))
        else:
            writer.write_table(table)


def _empty_batch(table: pa.Table) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=table.schema)


def _read_ipc(path: Path) -> pa.Table:
    with pa.OSFile(str(path), "rb") as source:
        return ipc.open_file(source).read_all()
