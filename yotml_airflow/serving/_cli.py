"""``yotml serve``: serve a model by URI or folder over HTTP with uvicorn.

Example::

    yotml serve --model models:/churn@champion --port 8000 --reload-interval 10
    YOTML_SERVE_TOKEN=s3cret yotml serve --model ./churn_model --port 8000
"""

from __future__ import annotations

import argparse
import os
import sys

from yotml_airflow.errors import YotmlError
from yotml_airflow.serving._app import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``yotml serve``."""
    parser.add_argument("--model", required=True, help="models:/name@alias, models:/name/3, runs:/..., or a folder")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback only)")
    parser.add_argument(
        "--token",
        default=os.environ.get("YOTML_SERVE_TOKEN"),
        help="require 'Authorization: Bearer TOKEN' (default: $YOTML_SERVE_TOKEN; none = no auth)",
    )
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="largest batch per request")
    parser.add_argument(
        "--reload-interval", type=float, default=0.0, help="poll the registry every S seconds and hot-swap (0 = off)"
    )
    parser.add_argument("--tracking-uri", default=None, help="MLflow store of a models:/ URI (default: yotml's)")
    parser.add_argument(
        "--feature-store", default=None, help="package.module:NAME of a FeatureStore for online feature lookups"
    )
    parser.add_argument("--features", default=None, help="comma-separated view:feature references to fetch")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])


def run(args: argparse.Namespace) -> int:
    """Load the model and serve until interrupted; a bad model or option exits with code 2."""
    from yotml_airflow.serving._server import serve

    try:
        features = _online_features(args.feature_store, args.features)
        serve(
            args.model,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            token=args.token or None,
            max_body_bytes=args.max_body_bytes,
            max_rows=args.max_rows,
            reload_interval=args.reload_interval or None,
            tracking_uri=args.tracking_uri,
            features=features,
        )
    except YotmlError as exc:
        print(f"yotml serve: {exc}", file=sys.stderr)
        return 2
    return 0


def _online_features(store_spec: str | None, features: str | None) -> object:
    from yotml_airflow.errors import ConfigError

    if not store_spec and not features:
        return None
    if not (store_spec and features):
        raise ConfigError("--feature-store and --features go together")
    import importlib

    from yotml_airflow.features import FeatureStore
    from yotml_airflow.serving._features import OnlineFeatures

    module, _, name = store_spec.partition(":")
    try:
        store = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"--feature-store {store_spec}: {exc}") from None
    store = store() if callable(store) and not isinstance(store, FeatureStore) else store
    if not isinstance(store, FeatureStore):
        raise ConfigError(f"--feature-store {store_spec} is not a FeatureStore")
    return OnlineFeatures(store, [f.strip() for f in features.split(",") if f.strip()])
