"""Building a model from a spec string and JSON params, so a job can create any model by name.

A spec is ``"package.module:ClassName"``. A parameter value that is itself ``{"spec": ...,
"params": {...}}`` is built the same way, so estimators nest::

    {"estimator": {"spec": "sklearn.ensemble:RandomForestClassifier", "params": {"n_estimators": 20}},
     "target": "churned"}

>>> model = model_from_spec("yotml_airflow.models:Imputer", '{"columns": ["age"]}')
>>> type(model).__name__, model.columns
('Imputer', ['age'])
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from yotml_airflow.errors import ConfigError


def import_object(spec: str) -> Any:
    """The object named by ``"package.module:Name"``; ``ConfigError`` saying what could not be found."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"model spec {spec!r} must look like 'package.module:ClassName'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"model spec {spec!r}: cannot import module {module_name!r} ({exc})") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"model spec {spec!r}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def build(spec: str, params: Any = None) -> Any:
    """Instantiate ``spec`` with ``params`` (a dict whose values may be nested specs)."""
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise ConfigError(f"params of {spec!r} must be a JSON object, got {type(params).__name__}")
    cls = import_object(spec)
    kwargs = {key: _value(value) for key, value in params.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"cannot create {spec} with params {sorted(kwargs)}: {exc}") from None


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "spec" in value and set(value) <= {"spec", "params"}:
        return build(value["spec"], value.get("params"))
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    return value


def parse_json(text: str, option: str) -> Any:
    """``json.loads`` with a ``ConfigError`` naming the option on bad JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{option} is not valid JSON: {exc}") from None


def model_from_spec(spec: str, params_json: str = "{}") -> Any:
    """A yotml ``Model`` built from a spec and JSON params; ``ConfigError`` if it is not a Model."""
    from yotml_airflow.models import Model

    model = build(spec, parse_json(params_json, "--params"))
    if not isinstance(model, Model):
        raise ConfigError(
            f"{spec} is not a yotml Model; wrap an estimator: --model-spec yotml_airflow.models:SklearnModel "
            f'--params \'{{"estimator": {{"spec": "{spec}", "params": {{}}}}, "target": "..."}}\''
        )
    return model
