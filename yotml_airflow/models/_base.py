"""The ``Model`` contract: fit / transform / predict on pandas, with declared inputs and outputs.

Subclasses implement three hooks and declare their output columns; the public methods add the
checks every model needs (input schema, not-fitted, empty frames, index preservation):

- ``_fit(df)``: learn; set fitted attributes whose names end with ``_``.
- ``_predict(df) -> DataFrame``: only the output columns, same index as ``df``.
- ``_transform(df) -> DataFrame`` (optional): ``df`` with the model's columns added or cleaned.
  The default appends the predict columns.
- ``input_columns(df)``: which columns of the training frame the model reads (default: all).
- ``output_columns()``: ``{name: dtype}`` of ``predict``'s columns, known after fit.
- ``transform_schema(schema)`` (optional): the dtypes ``transform`` returns for input dtypes.

``__init__`` only stores its arguments (scikit-learn's rule), so ``get_params``, ``set_params``
and ``clone`` work from the constructor's signature.

Example:
    >>> import pandas as pd
    >>> class MeanModel(Model):
    ...     def __init__(self, target: str = "y"):
    ...         self.target = target
    ...     def input_columns(self, df):
    ...         return [self.target]
    ...     def _fit(self, df):
    ...         self.mean_ = float(df[self.target].mean())
    ...     def output_columns(self):
    ...         return {"prediction": "float64"}
    ...     def _predict(self, df):
    ...         return pd.DataFrame({"prediction": self.mean_}, index=df.index)
    >>> MeanModel().fit(pd.DataFrame({"y": [1.0, 3.0]})).predict(pd.DataFrame({"y": [0.0]}))
       prediction
    0         2.0
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from yotml_airflow.errors import EmptyDataError, NotFittedError, SchemaError
from yotml_airflow.models._schema import (
    check_input,
    coerce_output,
    empty_frame,
    kind_of,
    validate_declared,
)

M = TypeVar("M", bound="Model")


class Model:
    """Base class of every yotml model: cleaning, features, estimators, monitors, pipelines."""

    # ---- parameters -------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.kind == p.VAR_POSITIONAL:
                raise TypeError(f"{cls.__name__}.__init__ must not take *args (parameters must be named)")
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters as stored on the instance.

        >>> from yotml_airflow.models import Imputer
        >>> Imputer(columns=["a"]).get_params()["columns"]
        ['a']
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: M, **params: Any) -> M:
        """Set constructor parameters; unknown names raise ``ValueError``. Returns ``self``."""
        valid = set(self._param_names())
        unknown = sorted(set(params) - valid)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameter(s) {unknown}; valid: {sorted(valid)}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def clone(self: M) -> M:
        """A new unfitted model with the same parameters (nested models cloned too)."""
        params = {name: _clone_param(value) for name, value in self.get_params().items()}
        return type(self)(**params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        text = f"{type(self).__name__}({args})"
        return text if len(text) <= 700 else text[:696] + "...)"

    # ---- declared columns ---------------------------------------------------------------------
    def input_columns(self, df: pd.DataFrame) -> list[str]:
        """Columns of the training frame this model reads. Default: all of them."""
        return list(df.columns)

    def output_columns(self) -> dict[str, str]:
        """``{column: dtype}`` that ``predict`` returns (dtypes from ``OUTPUT_DTYPES``)."""
        raise NotImplementedError(f"{type(self).__name__} must declare output_columns()")

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        """The ``{column: dtype}`` that ``transform`` returns for input columns of ``schema``.

        The default (transform appends predict's columns) keeps the input and adds the outputs.
        """
        out = dict(schema)
        out.update(self.output_columns())
        return out

    @property
    def input_schema(self) -> dict[str, str]:
        """``{column: kind}`` learned at fit: what ``transform``/``predict`` require."""
        self._require_fitted()
        return dict(self.input_schema_)

    # ---- fit / transform / predict ------------------------------------------------------------
    def is_fitted(self) -> bool:
        """True once ``fit`` has completed."""
        return hasattr(self, "input_schema_")

    def fit(self: M, df: pd.DataFrame) -> M:
        """Learn from ``df``; returns ``self``. Raises ``EmptyDataError`` on an empty frame."""
        name = type(self).__name__
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"{name}.fit: expected a pandas DataFrame, got {type(df).__name__}")
        if len(df) == 0:
            raise EmptyDataError(f"{name}.fit: the training frame has no rows")
        columns = self.input_columns(df)
        check_input(df, {c: "any" for c in columns}, f"{name}.fit")
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("__")]:
            delattr(self, attr)
        self._fit(df)
        self.input_schema_ = {c: kind_of(df[c]) for c in columns}
        validate_declared(self.output_columns(), name)
        return self

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Only the output columns, with ``df``'s index. An empty frame gives an empty result."""
        self._check(df, "predict")
        columns = self.output_columns()
        if len(df) == 0:
            return empty_frame(columns, df.index)
        out = self._predict(df)
        out = coerce_output(out, columns, f"{type(self).__name__}.predict")[list(columns)]
        if not out.index.equals(df.index):
            raise SchemaError(f"{type(self).__name__}.predict returned a different index than its input")
        return out

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with this model's columns added or cleaned, index kept, input not mutated."""
        self._check(df, "transform")
        schema = self.transform_schema(_dtypes_of(df))
        if len(df) == 0:
            return empty_frame(schema, df.index)
        out = self._transform(df)
        return coerce_output(out, {c: d for c, d in schema.items() if d != "any"}, f"{type(self).__name__}.transform")[
            list(schema)
        ]

    def fit_transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """``fit(df)`` then ``transform(df)``."""
        return self.fit(df).transform(df)

    # ---- hooks for subclasses -----------------------------------------------------------------
    def _fit(self, df: pd.DataFrame) -> None:
        raise NotImplementedError

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError(f"{type(self).__name__} does not predict; use transform")

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        predictions = self._predict(df)
        for col in predictions.columns:
            out[col] = predictions[col]
        return out

    # ---- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save to a folder with a manifest (format, class, params, versions, sha256 per file)."""
        from yotml_airflow.models._persist import save_model

        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Load a saved model after verifying its manifest and file hashes."""
        from yotml_airflow.models._persist import load_model

        model = load_model(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}")
        return model

    # ---- internals ----------------------------------------------------------------------------
    def _require_fitted(self) -> None:
        if not self.is_fitted():
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(df) first")

    def _check(self, df: pd.DataFrame, method: str) -> None:
        self._require_fitted()
        check_input(df, self.input_schema_, f"{type(self).__name__}.{method}")


def _dtypes_of(df: pd.DataFrame) -> dict[str, str]:
    return {c: _dtype_name(df[c]) for c in df.columns}


def _dtype_name(series: pd.Series) -> str:
    kind = kind_of(series)
    if kind == "string":
        return "string"
    if kind == "datetime":
        return "datetime64[us]"
    if kind in ("bool", "numeric") and series.hasnans and not pd.api.types.is_float_dtype(series.dtype):
        return "any"
    if kind == "bool":
        return "bool"
    if kind == "numeric":
        return "int64" if pd.api.types.is_integer_dtype(series.dtype) else "float64"
    return "any"


def dtypes_of(df: pd.DataFrame) -> dict[str, str]:
    """The declared-dtype vocabulary for the columns of ``df`` (``"any"`` where none fits)."""
    return _dtypes_of(df)


def _clone_param(value: Any) -> Any:
    if isinstance(value, Model):
        return value.clone()
    if isinstance(value, list):
        return [_clone_param(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_clone_param(v) for v in value)
    if isinstance(value, dict):
        return {k: _clone_param(v) for k, v in value.items()}
    if hasattr(value, "get_params") and hasattr(value, "fit"):
        return _clone_estimator(value)
    return copy.deepcopy(value)


def _clone_estimator(estimator: Any) -> Any:
    module = type(estimator).__module__.split(".")[0]
    if module == "sklearn" or hasattr(estimator, "_get_tags") or hasattr(estimator, "__sklearn_tags__"):
        from sklearn.base import clone

        return clone(estimator)
    return copy.deepcopy(estimator)
