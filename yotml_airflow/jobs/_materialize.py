"""Job ``materialize``: write a feature view's latest values per entity to the online store.

    python -m yotml_airflow.jobs materialize --store my_project.features:STORE --view customer_stats \\
        --end-time 2026-11-26T00:00:00 --result-path result.json

``--store`` names a ``FeatureStore`` (or a function returning one) as ``package.module:NAME``; its
views are declared in code. ``--online`` overrides its online store (``sqlite:///...`` or
``redis://...``). Result JSON: ``view``, ``entities``, ``end_time``, ``online``.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the materialize job."""
    parser.add_argument("--store", required=True, help="package.module:NAME of a FeatureStore (or a function)")
    parser.add_argument("--view", required=True, help="the feature view to materialize")
    parser.add_argument("--end-time", required=True, help="ISO date-time: values at or before it are written")
    parser.add_argument("--start-time", help="ISO date-time: ignore rows before it (default: the view's TTL)")
    parser.add_argument("--online", help="online store URI overriding the store's own")


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} must be an ISO date-time like 2026-11-26T00:00:00, got {text!r}") from None


def validate(args: argparse.Namespace) -> None:
    """Checks that need no Spark: the times parse and the store and view exist."""
    _time(args.end_time, "--end-time")
    _time(args.start_time, "--start-time")
    _load_store(args).view(args.view)


def _load_store(args: argparse.Namespace) -> Any:
    from yotml_airflow.features import FeatureStore, open_online_store
    from yotml_airflow.jobs._spec import import_object

    store = import_object(args.store)
    if callable(store) and not isinstance(store, FeatureStore):
        store = store()
    if not isinstance(store, FeatureStore):
        raise ConfigError(f"--store {args.store} is a {type(store).__name__}, not a FeatureStore")
    if args.online:
        store.online = open_online_store(args.online)
    return store


def run(args: argparse.Namespace, spark: SparkSession) -> dict[str, Any]:
    """Materialize the view on Spark and return what was written."""
    store = _load_store(args)
    store.spark = spark
    end, start = _time(args.end_time, "--end-time"), _time(args.start_time, "--start-time")
    assert end is not None
    written = store.materialize(args.view, end_time=end, start_time=start)
    return {"view": args.view, "entities": written, "end_time": end.isoformat(), "online": args.online}
