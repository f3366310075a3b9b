"""Serving a ``SegmentedModel``: route a single record to its segment's model, loading it lazily.

``SegmentedModel.predict`` already routes rows per segment and unpickles a segment's model only
on first use (its packed store keeps an LRU of them). For one record the router goes straight
to that segment's model and, when the segment model qualifies, its compiled fast path (kept in
an LRU of the same size as the model's own cache), so a request touches exactly one segment.
Anything else (batches, a missing segment value, segments served by the fallback, segment models
without a fast path) returns ``None`` and takes ``SegmentedModel.predict``, the contract.

Example:
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from yotml_airflow.models import SegmentedModel, SklearnModel
    >>> df = pd.DataFrame({"store": ["a", "a", "b", "b"], "x": [0.0, 1.0, 0.0, 1.0], "y": [0.0, 1.0, 0.0, -1.0]})
    >>> model = SegmentedModel(SklearnModel(LinearRegression(), features=["x"], target="y"), "store").fit(df)
    >>> router = SegmentRouter(model)
    >>> [round(v, 6) for v in router({"store": ["b"], "x": [2.0]})["prediction"]]
    [-2.0]
    >>> router({"store": ["zz"], "x": [2.0]}) is None
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from yotml_airflow.models import SegmentedModel
from yotml_airflow.serving._fastpath import FastPath, compile_fast_path


class SegmentRouter:
    """Single-record routing of a ``SegmentedModel`` to per-segment fast paths (LRU cached)."""

    def __init__(self, model: SegmentedModel):
        self.model = model
        self.segment_col = model.segment_col
        self.columns = model.output_columns()
        self.cache_size = model.cache_size
        self.compiled = 0
        self._cache: OrderedDict[Hashable, FastPath | None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, data: dict[str, Any]) -> dict[str, list[Any]] | None:
        values = data[self.segment_col]
        if len(values) != 1:
            return None
        key = values[0]
        if key is None or key not in self.model.store_:
            return None
        fast = self._fast_path(key)
        return None if fast is None else fast(data)

    def _fast_path(self, key: Hashable) -> FastPath | None:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        segment_model = self.model.segment_model(key)
        fast = compile_fast_path(segment_model) if segment_model.output_columns() == self.columns else None
        with self._lock:
            self.compiled += 1
            self._cache[key] = fast
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return fast

    def cached_segments(self) -> int:
        """How many segments have a compiled route in memory."""
        return len(self._cache)
