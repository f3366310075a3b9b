"""Getting a model to the executors once: resolve it on the driver, broadcast its bytes, cache it per worker.

The driver pickles the fitted model once (cloudpickle, so classes defined in a notebook travel
too), hashes the bytes, and broadcasts them. Spark sends a broadcast to each Python worker once;
each worker process unpickles it on first use and keeps it in ``_WORKER_MODELS`` keyed by the
content hash, so later batches and later tasks on the same worker reuse the same object.

Example:
    >>> from yotml_airflow.spark._ship import is_model_uri
    >>> is_model_uri("models:/churn@champion"), is_model_uri("/tmp/model")
    (True, False)
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError, NotFittedError

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import SparkSession

    from yotml_airflow.models import Model

_MAX_CACHED = 4
_WORKER_MODELS: OrderedDict[str, Any] = OrderedDict()
_WORKER_LOCK = threading.Lock()
_DRIVER_BROADCASTS: dict[tuple[int, str], Broadcast[bytes]] = {}


def is_model_uri(ref: object) -> bool:
    """True for MLflow model URIs (``models:/...``, ``runs:/...``)."""
    return isinstance(ref, str) and ref.startswith(("models:/", "runs:/"))


def resolve_model(ref: Model | str | os.PathLike[str]) -> Model:
    """A fitted ``Model`` from a model, a saved model folder, or an MLflow model URI."""
    from yotml_airflow.models import Model, load_model

    if isinstance(ref, Model):
        model = ref
    elif is_model_uri(ref):
        from yotml_airflow.tracking import load_model as load_tracked

        model = load_tracked(str(ref))
    elif isinstance(ref, (str, os.PathLike)):
        path = Path(ref)
        if not path.is_dir():
            raise ConfigError(f"model {str(ref)!r} is neither a saved model folder nor a models:/ or runs:/ URI")
        model = load_model(path)
    else:
        raise ConfigError(f"expected a Model, a saved model path or an MLflow URI, got {type(ref).__name__}")
    if not model.is_fitted():
        raise NotFittedError(f"{type(model).__name__} is not fitted: fit it before scoring it on Spark")
    return model


def broadcast_model(spark: SparkSession, model: Model) -> tuple[str, Broadcast[bytes]]:
    """Pickle ``model`` once and broadcast the bytes; returns ``(content hash, broadcast)``.

    The same bytes in the same SparkContext reuse one broadcast, so scoring a model repeatedly
    does not pile up broadcasts.
    """
    from pyspark import cloudpickle

    payload = cloudpickle.dumps(model)
    key = hashlib.sha256(payload).hexdigest()
    sc = spark.sparkContext
    slot = (id(sc), key)
    if slot not in _DRIVER_BROADCASTS:
        _DRIVER_BROADCASTS[slot] = sc.broadcast(payload)
    return key, _DRIVER_BROADCASTS[slot]


def worker_model(key: str, payload: Broadcast[bytes]) -> Any:
    """The unpickled model for ``key`` in this Python worker, unpickled at most once per process."""
    with _WORKER_LOCK:
        model = _WORKER_MODELS.get(key)
        if model is not None:
            _WORKER_MODELS.move_to_end(key)
            return model
        from pyspark import cloudpickle

        model = cloudpickle.loads(payload.value)
        _WORKER_MODELS[key] = model
        while len(_WORKER_MODELS) > _MAX_CACHED:
            _WORKER_MODELS.popitem(last=False)
        return model
