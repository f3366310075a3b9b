"""What a run records about a model and its data: flattened params, a data fingerprint, the git commit.

Example:
    >>> from yotml_airflow.models import ModelPipeline, SklearnModel
    >>> from sklearn.linear_model import Ridge
    >>> params = flatten_params(ModelPipeline([("ridge", SklearnModel(Ridge(alpha=2.0), target="y"))]))
    >>> params["steps__ridge__estimator__alpha"], params["steps__ridge__target"]
    ('2.0', 'y')
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from yotml_airflow.models import Model

MAX_KEY = 250
MAX_VALUE = 6000
MAX_PARAMS = 1000
SAMPLE_ROWS = 1000
_BAD_KEY = re.compile(r"[^A-Za-z0-9_.\- ]+")
_TRUNCATED = "...[truncated]"


def flatten_params(model: Model) -> dict[str, str]:
    """``get_params()`` as ``{key: str}``; nested models and estimators as ``outer__inner`` keys.

    Keys are cleaned to MLflow's alphabet and cut to 250 characters, values to 6,000 characters
    (ending in ``...[truncated]``); at most 1,000 params are kept, the shortest keys first.
    """
    flat: dict[str, str] = {}
    _flatten(model.get_params(), "", flat, depth=0)
    if len(flat) > MAX_PARAMS:
        keep = sorted(flat, key=lambda k: (k.count("__"), k))[:MAX_PARAMS]
        flat = {k: flat[k] for k in sorted(keep)}
    return flat


def _flatten(params: Mapping[str, Any], prefix: str, out: dict[str, str], depth: int) -> None:
    for name, value in params.items():
        key = _clean_key(f"{prefix}{name}")
        nested = _nested_params(value) if depth < 8 else None
        if nested is None:
            out[key] = _value_text(value)
            continue
        if not isinstance(value, (list, tuple)):
            out[key] = type(value).__name__
        _flatten(nested, f"{key}__", out, depth + 1)


def _nested_params(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Model):
        return value.get_params()
    if hasattr(value, "get_params") and hasattr(value, "fit") and not isinstance(value, type):
        try:
            params = value.get_params(deep=False)
        except TypeError:
            params = value.get_params()
        return params if isinstance(params, Mapping) else None
    if isinstance(value, (list, tuple)) and value and all(_is_step(v) for v in value):
        named = {}
        for i, item in enumerate(value):
            if isinstance(item, tuple):
                named[str(item[0])] = item[1]
            else:
                named[str(i)] = item
        return named
    return None


def _is_step(value: Any) -> bool:
    if isinstance(value, tuple) and len(value) >= 2 and isinstance(value[0], str):
        value = value[1]
    return isinstance(value, Model) or (hasattr(value, "get_params") and hasattr(value, "fit"))


def _clean_key(key: str) -> str:
    key = _BAD_KEY.sub("_", key).strip(" ")
    if not key or set(key) <= {"."}:
        key = "_" + key
    return key[:MAX_KEY]


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif value is None or isinstance(value, (bool, int, float)):
        text = str(value)
    else:
        try:
            text = json.dumps(value, default=repr)
        except (TypeError, ValueError):
            text = repr(value)
    return truncate(text, MAX_VALUE)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with ``...[truncated]`` when cut."""
    return text if len(text) <= limit else text[: limit - len(_TRUNCATED)] + _TRUNCATED


def data_fingerprint(df: pd.DataFrame) -> dict[str, str]:
    """Row count, a hash of the column names and dtypes, and a content hash of a seeded 1,000-row sample.

    >>> fp = data_fingerprint(pd.DataFrame({"a": [1, 2, 3]}))
    >>> fp["yotml.data.rows"], len(fp["yotml.data.schema_hash"])
    ('3', 16)
    """
    schema = json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()])
    sample = df if len(df) <= SAMPLE_ROWS else df.sample(n=SAMPLE_ROWS, random_state=0)
    try:
        content = pd.util.hash_pandas_object(sample, index=False).to_numpy().tobytes()
    except (TypeError, ValueError):
        content = sample.to_csv(index=False).encode()
    return {
        "yotml.data.rows": str(len(df)),
        "yotml.data.columns": str(df.shape[1]),
        "yotml.data.schema_hash": hashlib.sha256(schema.encode()).hexdigest()[:16],
        "yotml.data.sample_hash": hashlib.sha256(content).hexdigest()[:16],
    }


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The HEAD commit of the git repository containing ``cwd`` (default: the current directory), or None."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None
