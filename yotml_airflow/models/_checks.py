"""``check_model``: the conformance checks every yotml model should pass, run on the user's own data.

Like scikit-learn's ``check_estimator``, it exercises the contract rather than the maths: params
round trip, ``__init__`` only stores, clone, ``fit`` returns self, not-fitted errors, save/load,
declared output columns and dtypes, index kept, input not mutated, empty frames, missing columns.

Example:
    >>> import pandas as pd
    >>> from yotml_airflow.models import Imputer
    >>> checks = check_model(Imputer(), pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", None, "x"]}))
    >>> "save_load" in checks
    True
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import EmptyDataError, ModelCheckError, NotFittedError, SchemaError
from yotml_airflow.models._base import Model, dtypes_of
from yotml_airflow.models._schema import OUTPUT_DTYPES

CHECKS = (
    "params_round_trip",
    "init_only_stores",
    "clone",
    "fit_returns_self",
    "not_fitted",
    "fit_empty",
    "output_columns",
    "transform_schema",
    "index_preserved",
    "input_not_mutated",
    "save_load",
    "empty_frame",
    "missing_column",
)


def check_model(model: Model, sample_df: pd.DataFrame, checks: Iterable[str] | None = None) -> list[str]:
    """Run the conformance checks on an unfitted ``model`` with ``sample_df``; return the names passed.

    ``sample_df`` must be a frame the model can be fitted on (with the label, if it has one). The
    model itself is not modified: every check works on clones. All checks run; if any fails, one
    ``ModelCheckError`` names the model and each failed check with what went wrong.

    Args:
        model: the model to check (fitted or not).
        sample_df: a small training frame, at least a few rows.
        checks: a subset of ``CHECKS`` to run (default: all).
    """
    name = type(model).__name__
    selected = list(CHECKS if checks is None else checks)
    unknown = [c for c in selected if c not in CHECKS]
    if unknown:
        raise ValueError(f"check_model: unknown check(s) {unknown}; known: {list(CHECKS)}")
    if not isinstance(model, Model):
        raise ModelCheckError(f"check_model({name}): not a yotml Model (subclass yotml_airflow.models.Model)")
    if not isinstance(sample_df, pd.DataFrame) or len(sample_df) < 2:
        raise ValueError("check_model: sample_df must be a pandas DataFrame with at least 2 rows")
    ctx = _Context(model, _with_custom_index(sample_df))
    passed: list[str] = []
    failures: list[str] = []
    for check in selected:
        try:
            _CHECK_FUNCTIONS[check](ctx)
        except Exception as exc:
            failures.append(f"[{check}] {type(exc).__name__}: {exc}")
        else:
            passed.append(check)
    if failures:
        lines = "\n  ".join(failures)
        raise ModelCheckError(f"check_model({name}): {len(failures)} check(s) failed:\n  {lines}")
    return passed


class _Context:
    """The model under check, its sample, and a fitted clone shared by the read-only checks."""

    def __init__(self, model: Model, df: pd.DataFrame):
        self.model = model
        self.df = df
        self._fitted: Model | None = None

    @property
    def fitted(self) -> Model:
        if self._fitted is None:
            self._fitted = self.model.clone().fit(self.df.copy())
        return self._fitted

    def predicts(self) -> bool:
        return type(self.model)._predict is not Model._predict


def _fail(message: str) -> None:
    raise AssertionError(message)


def _with_custom_index(df: pd.DataFrame) -> pd.DataFrame:
    """The sample with a non-default, non-monotonic index, so lost indexes are noticed."""
    out = df.copy()
    out.index = pd.Index([1000 + 7 * i for i in range(len(df))][::-1], name="row")
    return out


def _check_params_round_trip(ctx: _Context) -> None:
    model = ctx.model.clone()
    params = model.get_params()
    signature = [p for p in inspect.signature(type(model).__init__).parameters if p != "self"]
    missing = sorted(set(signature) - set(params))
    if missing:
        _fail(f"get_params() misses constructor parameter(s) {missing}")
    if model.set_params(**params) is not model:
        _fail("set_params() must return self")
    if not params_equal(model.get_params(), params):
        _fail("set_params(**get_params()) changed the parameters")


def _check_init_only_stores(ctx: _Context) -> None:
    params = ctx.model.get_params()
    fresh = type(ctx.model)(**params)
    changed = [k for k, v in fresh.get_params().items() if v is not params[k]]
    if changed:
        _fail(f"__init__ must store its arguments unchanged (scikit-learn's rule); it changed {changed}")
    learned = [a for a in vars(fresh) if a.endswith("_") and not a.startswith("_")]
    if learned:
        _fail(f"__init__ set fitted attribute(s) {learned}; set them in _fit")


def _check_clone(ctx: _Context) -> None:
    for source in (ctx.model, ctx.fitted):
        twin = source.clone()
        if twin is source or type(twin) is not type(source):
            _fail("clone() must return a new model of the same class")
        if twin.is_fitted():
            _fail("clone() of a fitted model must be unfitted")
        if not params_equal(twin.get_params(), source.get_params()):
            _fail("clone() changed the parameters")


def _check_fit_returns_self(ctx: _Context) -> None:
    model = ctx.model.clone()
    if model.fit(ctx.df.copy()) is not model:
        _fail("fit() must return self")
    if not model.is_fitted():
        _fail("is_fitted() is False after fit()")
    changed = [k for k, v in model.get_params().items() if not params_equal(v, ctx.model.get_params()[k])]
    if changed:
        _fail(f"fit() changed constructor parameter(s) {changed}; learned state goes in attributes ending with _")


def _check_not_fitted(ctx: _Context) -> None:
    methods = ["transform"] + (["predict"] if ctx.predicts() else [])
    for method in methods:
        try:
            getattr(ctx.model.clone(), method)(ctx.df.copy())
        except NotFittedError:
            continue
        except Exception as exc:
            _fail(f"{method}() before fit raised {type(exc).__name__} ({exc}), expected NotFittedError")
        _fail(f"{method}() before fit did not raise NotFittedError")


def _check_fit_empty(ctx: _Context) -> None:
    try:
        ctx.model.clone().fit(ctx.df.iloc[:0].copy())
    except EmptyDataError:
        return
    except Exception as exc:
        _fail(f"fit() on an empty frame raised {type(exc).__name__} ({exc}), expected EmptyDataError")
    _fail("fit() on an empty frame did not raise EmptyDataError")


def _check_output_columns(ctx: _Context) -> None:
    declared = ctx.fitted.output_columns()
    bad = {c: d for c, d in declared.items() if d not in OUTPUT_DTYPES}
    if bad:
        _fail(f"output_columns() declares dtypes {bad} outside {list(OUTPUT_DTYPES)}")
    if ctx.predicts():
        _assert_declared(ctx.fitted.predict(ctx.df.copy()), declared, "predict")


def _check_transform_schema(ctx: _Context) -> None:
    declared = ctx.fitted.transform_schema(dtypes_of(ctx.df))
    _assert_declared(ctx.fitted.transform(ctx.df.copy()), declared, "transform")


def _assert_declared(out: pd.DataFrame, declared: dict[str, str], method: str) -> None:
    if list(out.columns) != list(declared):
        _fail(f"{method}() returned columns {list(out.columns)}, declared {list(declared)}")
    wrong = {c: str(out[c].dtype) for c, d in declared.items() if d != "any" and not _dtype_matches(out[c], d)}
    if wrong:
        _fail(f"{method}() returned dtypes {wrong}, declared {{{', '.join(f'{c!r}: {declared[c]!r}' for c in wrong)}}}")


def _dtype_matches(series: pd.Series, dtype: str) -> bool:
    if dtype == "string":
        return pd.api.types.is_string_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype)
    return str(series.dtype) == dtype


def _check_index_preserved(ctx: _Context) -> None:
    methods = ["transform"] + (["predict"] if ctx.predicts() else [])
    for method in methods:
        out = getattr(ctx.fitted, method)(ctx.df.copy())
        if not out.index.equals(ctx.df.index):
            _fail(f"{method}() did not keep the input's index")


def _check_input_not_mutated(ctx: _Context) -> None:
    df = ctx.df.copy()
    before = df.copy(deep=True)
    model = ctx.model.clone().fit(df)
    steps: list[tuple[str, Callable[[pd.DataFrame], Any]]] = [("fit", lambda d: None), ("transform", model.transform)]
    if ctx.predicts():
        steps.append(("predict", model.predict))
    for method, call in steps:
        call(df)
        try:
            pd.testing.assert_frame_equal(df, before)
        except AssertionError as exc:
            _fail(f"{method}() modified its input frame: {exc}")


def _check_save_load(ctx: _Context) -> None:
    with tempfile.TemporaryDirectory(prefix="yotml-check-") as tmp:
        path = Path(tmp) / "model"
        ctx.fitted.save(path)
        loaded = Model.load(path)
    if type(loaded) is not type(ctx.fitted):
        _fail(f"load() returned a {type(loaded).__name__}")
    if not params_equal(loaded.get_params(), ctx.fitted.get_params()):
        _fail("parameters differ after save/load")
    methods = ["transform"] + (["predict"] if ctx.predicts() else [])
    for method in methods:
        try:
            pd.testing.assert_frame_equal(getattr(loaded, method)(ctx.df.copy()), getattr(ctx.fitted, method)(ctx.df))
        except AssertionError as exc:
            _fail(f"{method}() differs after save/load: {exc}")


def _check_empty_frame(ctx: _Context) -> None:
    empty = ctx.df.iloc[:0].copy()
    if ctx.predicts():
        _assert_declared(ctx.fitted.predict(empty), ctx.fitted.output_columns(), "predict on an empty frame")
    out = ctx.fitted.transform(empty)
    _assert_declared(out, ctx.fitted.transform_schema(dtypes_of(empty)), "transform on an empty frame")
    if len(out):
        _fail("transform() on an empty frame returned rows")


def _check_missing_column(ctx: _Context) -> None:
    required = list(ctx.fitted.input_schema)
    if not required:
        return
    method = "predict" if ctx.predicts() else "transform"
    for column in required[:10]:
        try:
            getattr(ctx.fitted, method)(ctx.df.drop(columns=[column]))
        except SchemaError as exc:
            if column not in str(exc):
                _fail(f"the SchemaError for missing column {column!r} does not name it: {exc}")
            continue
        except Exception as exc:
            _fail(f"{method}() without column {column!r} raised {type(exc).__name__} ({exc}), expected SchemaError")
        _fail(f"{method}() without required column {column!r} did not raise SchemaError")


_CHECK_FUNCTIONS: dict[str, Callable[[_Context], None]] = {
    "params_round_trip": _check_params_round_trip,
    "init_only_stores": _check_init_only_stores,
    "clone": _check_clone,
    "fit_returns_self": _check_fit_returns_self,
    "not_fitted": _check_not_fitted,
    "fit_empty": _check_fit_empty,
    "output_columns": _check_output_columns,
    "transform_schema": _check_transform_schema,
    "index_preserved": _check_index_preserved,
    "input_not_mutated": _check_input_not_mutated,
    "save_load": _check_save_load,
    "empty_frame": _check_empty_frame,
    "missing_column": _check_missing_column,
}


def params_equal(a: Any, b: Any) -> bool:
    """Parameter equality that compares models and estimators by class and parameters."""
    if isinstance(a, Model) or (hasattr(a, "get_params") and hasattr(a, "fit")):
        return type(a) is type(b) and params_equal(a.get_params(), b.get_params())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(params_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(params_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return bool(a == b) or (a is None and b is None)
    except (TypeError, ValueError):
        return a is b
