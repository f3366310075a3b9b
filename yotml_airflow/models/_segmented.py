"""``SegmentedModel``: one copy of a model per segment (store, country, ...), itself a ``Model``.

``fit`` trains a clone of ``base`` on each segment's rows in one grouped pass; ``predict`` and
``transform`` route each row to its segment's model and reassemble the result in the input's
order and index. Segment models see the frame without the segment column. Segments with fewer
than ``min_rows`` rows, segments whose fit failed and segments unseen at fit follow ``fallback``:

- ``"global"``: a clone of ``base`` fit on all rows (also without the segment column);
- a fitted ``Model``: used as given, on the full frame (it may read the segment column);
- ``"error"``: ``SegmentError`` naming the segments, raised before any prediction.

The segment models are kept as pickled bytes and unpickled on first use (LRU cache of
``cache_size``); saved, they are packed in a few Arrow shards with an index, so ``load`` is lazy.

Example:
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from yotml_airflow.models import SklearnModel
    >>> df = pd.DataFrame({"store": ["a", "a", "b", "b"], "x": [0.0, 1.0, 0.0, 1.0], "y": [0.0, 1.0, 0.0, -1.0]})
    >>> base = SklearnModel(LinearRegression(), features=["x"], target="y")
    >>> model = SegmentedModel(base, "store", min_rows=2).fit(df)
    >>> model.predict(pd.DataFrame({"store": ["b", "a"], "x": [2.0, 2.0]}))["prediction"].round(6).tolist()
    [-2.0, 2.0]
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError, ModelIntegrityError, SchemaError, SegmentError
from yotml_airflow.models._base import Model
from yotml_airflow.models._schema import check_input, kind_of
from yotml_airflow.models._segment_fit import (
    FAILED,
    FITTED,
    TABLE_COLUMNS,
    check_failures,
    describe_segments,
    fit_segments,
    merge_into,
    merge_json_dicts,
    sorted_groups,
)
from yotml_airflow.models._segment_store import INDEX, SHARDS, SegmentStore

SHELL = "segmented.pkl"
TABLE = "segments.parquet"
_FALLBACKS = ("global", "error")


class SegmentedModel(Model):
    """One model per segment behind one ``Model`` interface.

    Args:
        base: the model to train per segment (any ``Model``: pipeline, ``SklearnModel``, monitor).
        segment_col: the column whose values name the segments.
        min_rows: segments with fewer training rows get no model of their own (they use the fallback).
        fallback: ``"global"``, ``"error"`` or a fitted ``Model`` (see the module docstring).
        max_failure_ratio: the share of segment fits allowed to raise before ``fit`` fails.
        cache_size: how many unpickled segment models to keep in memory.
    """

    _source: tuple[str, str] | None = None

    def __init__(
        self,
        base: Model,
        segment_col: str,
        min_rows: int = 1,
        fallback: str | Model = "global",
        max_failure_ratio: float = 0.0,
        cache_size: int = 1024,
    ):
        self.base = base
        self.segment_col = segment_col
        self.min_rows = min_rows
        self.fallback = fallback
        self.max_failure_ratio = max_failure_ratio
        self.cache_size = cache_size

    def clone(self) -> SegmentedModel:
        """Unfitted copy; a given fallback model is shared as is (it is already fitted)."""
        return SegmentedModel(
            self.base.clone(), self.segment_col, self.min_rows, self.fallback, self.max_failure_ratio, self.cache_size
        )

    # ---- checks -------------------------------------------------------------------------------
    def validate_params(self, columns: list[str] | None = None) -> None:
        """Raise ``ConfigError``/``SchemaError`` for bad parameters (or a missing segment column)."""
        if not isinstance(self.base, Model):
            raise ConfigError(f"SegmentedModel: base must be a yotml Model, got {type(self.base).__name__}")
        if not isinstance(self.segment_col, str) or not self.segment_col:
            raise ConfigError(f"SegmentedModel: segment_col must be a column name, got {self.segment_col!r}")
        if columns is not None and self.segment_col not in columns:
            raise SchemaError(
                f"SegmentedModel: segment column {self.segment_col!r} is missing; the frame has {columns}"
            )
        if isinstance(self.min_rows, bool) or not isinstance(self.min_rows, int) or self.min_rows < 1:
            raise ConfigError(f"SegmentedModel: min_rows must be an int >= 1, got {self.min_rows!r}")
        if isinstance(self.fallback, Model):
            if not self.fallback.is_fitted():
                raise ConfigError("SegmentedModel: a fallback model must already be fitted")
        elif self.fallback not in _FALLBACKS:
            raise ConfigError(
                f"SegmentedModel: fallback must be 'global', 'error' or a fitted Model, got {self.fallback!r}"
            )
        ratio = self.max_failure_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
            raise ConfigError(f"SegmentedModel: max_failure_ratio must be within [0, 1], got {ratio!r}")
        if isinstance(self.cache_size, bool) or not isinstance(self.cache_size, int) or self.cache_size < 1:
            raise ConfigError(f"SegmentedModel: cache_size must be an int >= 1, got {self.cache_size!r}")

    # ---- fit ----------------------------------------------------------------------------------
    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return list(df.columns)

    def fit(self, df: pd.DataFrame) -> SegmentedModel:
        """Fit one clone of ``base`` per segment (one grouped pass); see the class docstring."""
        if isinstance(df, pd.DataFrame):
            self.validate_params(list(df.columns))
        self.__dict__.pop("_source", None)
        super().fit(df)
        required = self.required_schema_
        self.input_schema_ = {c: k for c, k in self.input_schema_.items() if c in required}
        return self

    def _fit(self, df: pd.DataFrame) -> None:
        results = fit_segments(df, self.segment_col, pickle.dumps(self.base.clone()), self.min_rows)
        check_failures(results, self.max_failure_ratio)
        global_model = None
        if self.fallback == "global":
            global_model = self.base.clone().fit(df.drop(columns=[self.segment_col]))
        self.assemble(results, global_model, kind_of(df[self.segment_col]))

    def assemble(self, results: pd.DataFrame, global_model: Model | None, segment_kind: str) -> None:
        """Set the fitted state from per-segment results (``fit_segments`` rows, here or from Spark).

        ``global_model`` is the fitted fallback under ``fallback="global"``; ``segment_kind`` the
        kind of the segment column. Raises ``SegmentError`` past ``max_failure_ratio``.
        """
        check_failures(results, self.max_failure_ratio)
        fitted = results[results["status"] == FITTED]
        blobs = dict(zip(fitted["segment"].tolist(), fitted["model"].tolist()))
        self.store_ = SegmentStore.from_blobs(blobs, self.cache_size)
        self.segment_table_ = results[TABLE_COLUMNS].reset_index(drop=True)
        failed = results[results["status"] == FAILED]
        self.failures_ = failed[["segment", "error"]].reset_index(drop=True)
        fallback = global_model if self.fallback == "global" else self.fallback
        self.fallback_model_: Model | None = fallback if isinstance(fallback, Model) else None
        outputs = merge_json_dicts(fitted["outputs"], "SegmentedModel", "output dtype")
        inputs = merge_json_dicts(fitted["inputs"], "SegmentedModel", "input kind")
        if self.fallback_model_ is not None:
            merge_into(outputs, self.fallback_model_.output_columns(), "SegmentedModel", "output dtype")
            merge_into(inputs, self.fallback_model_.input_schema, "SegmentedModel", "input kind")
        if not outputs:
            raise SegmentError(
                "SegmentedModel: no segment has a model (all too small or failed) and there is no fallback; "
                "lower min_rows or use fallback='global'"
            )
        self.output_columns_ = outputs
        self.required_schema_ = {self.segment_col: segment_kind, **inputs}
        self.input_schema_ = dict(self.required_schema_)

    # ---- declared columns ---------------------------------------------------------------------
    def output_columns(self) -> dict[str, str]:
        return dict(self.output_columns_)

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        seg = self.segment_col
        inner = self._representative().transform_schema({c: d for c, d in schema.items() if c != seg})
        if seg not in schema or seg in inner:
            return dict(inner)
        items = list(inner.items())
        items.insert(min(list(schema).index(seg), len(items)), (seg, schema[seg]))
        return dict(items)

    def _representative(self) -> Model:
        segments = self.store_.segments()
        return self.store_.get(segments[0]) if segments else self.fallback_model_  # type: ignore[return-value]

    # ---- routing ------------------------------------------------------------------------------
    def segment_model(self, segment: Hashable) -> Model:
        """The model that serves ``segment``: its own, else the fallback; ``SegmentError`` under 'error'."""
        self._require_fitted()
        if segment in self.store_:
            return self.store_.get(segment)  # type: ignore[no-any-return]
        if self.fallback_model_ is None:
            raise SegmentError(f"SegmentedModel: segment {segment!r} has no model and fallback='error'")
        return self.fallback_model_

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Route each row to its segment's model; a monitor base gives its reports stacked per segment."""
        if getattr(self.base, "predicts_report", False):
            from yotml_airflow.models.monitoring._segments import segmented_report

            return segmented_report(self, df)
        return super().predict(df)

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        columns = self.output_columns_
        arrays = {c: _empty_array(d, len(df)) for c, d in columns.items()}
        for positions, out in self._route(df, "predict"):
            for col in out.columns:
                if col in arrays:
                    arrays[col][positions] = out[col].to_numpy()
        return pd.DataFrame(arrays, index=df.index)

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        pieces = list(self._route(df, "transform"))
        positions = np.concatenate([p for p, _ in pieces])
        inverse = np.empty_like(positions)
        inverse[positions] = np.arange(len(positions))
        out = pd.concat([o for _, o in pieces]).iloc[inverse]
        out.index = df.index
        out[self.segment_col] = df[self.segment_col].to_numpy()
        return out

    def _route(self, df: pd.DataFrame, method: str) -> Any:
        """Yield ``(positions, output)`` per segment with a model, then once for all fallback rows."""
        codes, uniques = pd.factorize(df[self.segment_col], sort=False)
        keys = uniques.tolist()
        own = np.fromiter((k in self.store_ for k in keys), dtype=bool, count=len(keys))
        lacking = [k for k, has in zip(keys, own) if not has] + (["<missing>"] if (codes < 0).any() else [])
        if lacking:
            self._check_fallback(df, lacking)
        order, offsets = sorted_groups(codes, len(keys))
        data = df.drop(columns=[self.segment_col])
        sorted_data = data.take(order)
        for k in np.flatnonzero(own):
            start, stop = int(offsets[k + 1]), int(offsets[k + 2])
            model = self.store_.get(keys[k])
            yield order[start:stop], getattr(model, method)(sorted_data.iloc[start:stop])
        if lacking:
            fallback_codes = np.concatenate([[-1], np.flatnonzero(~own)])
            positions = np.sort(np.concatenate([order[offsets[c + 1] : offsets[c + 2]] for c in fallback_codes]))
            frame = df if self.fallback_model_ is not self._global_model() else data
            yield positions, getattr(self.fallback_model_, method)(frame.iloc[positions])

    def _global_model(self) -> Model | None:
        return self.fallback_model_ if self.fallback == "global" else None

    def _check_fallback(self, df: pd.DataFrame, lacking: list[Any]) -> None:
        if self.fallback_model_ is None:
            known = self.segment_table_["segment"]
            seen = set(known[known.isin(lacking)].tolist())
            unseen = [k for k in lacking if k not in seen]
            untrained = [k for k in lacking if k in seen]
            parts = []
            if unseen:
                parts.append(f"{len(unseen)} segment(s) unseen at fit {describe_segments(unseen)}")
            if untrained:
                parts.append(
                    f"{len(untrained)} segment(s) without a model (too small or failed) {describe_segments(untrained)}"
                )
            raise SegmentError(f"SegmentedModel (fallback='error'): {'; '.join(parts)}")
        if self.fallback_model_ is not self._global_model():
            check_input(df, self.fallback_model_.input_schema, "SegmentedModel fallback")

    # ---- persistence --------------------------------------------------------------------------
    def _save_payload(self, folder: Path) -> None:
        shell = {k: v for k, v in self.__dict__.items() if k not in ("store_", "segment_table_", "_source")}
        with open(folder / SHELL, "wb") as fh:
            pickle.dump(shell, fh, protocol=pickle.HIGHEST_PROTOCOL)
        if self.is_fitted():
            self.store_.write(folder)
            self.segment_table_.to_parquet(folder / TABLE, index=False)

    @classmethod
    def _load_payload(cls, folder: Path) -> SegmentedModel:
        folder = Path(folder)
        manifest = (folder / "manifest.json").read_bytes()
        listed = set(json.loads(manifest).get("files", {}))
        unlisted = sorted(
            name
            for name in [SHELL, *(str(p.relative_to(folder)) for p in (folder / SHARDS).glob("*"))]
            if name not in listed
        )
        if unlisted:
            raise ModelIntegrityError(f"{folder}: the manifest does not list {unlisted}; refusing unverified data")
        model = cls.__new__(cls)
        try:
            with open(folder / SHELL, "rb") as fh:
                model.__dict__.update(pickle.load(fh))
        except Exception as exc:
            raise ModelIntegrityError(f"{folder / SHELL} could not be unpickled: {exc}") from exc
        if model.is_fitted():
            missing = [name for name in (INDEX, TABLE) if name not in listed]
            if missing:
                raise ModelIntegrityError(f"{folder}: the manifest does not list {missing}; refusing unverified data")
            model.store_ = SegmentStore.open(folder, model.cache_size)
            model.segment_table_ = pd.read_parquet(folder / TABLE)
        model._source = (str(folder.resolve()), hashlib.sha256(manifest).hexdigest())
        return model


def _empty_array(dtype: str, n: int) -> np.ndarray:
    if dtype == "float64":
        return np.full(n, np.nan)
    if dtype == "string":
        return np.full(n, None, dtype=object)
    if dtype == "datetime64[us]":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    return np.zeros(n, dtype=dtype)
