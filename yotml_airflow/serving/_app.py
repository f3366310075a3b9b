"""The prediction service: a small Starlette ASGI app around one served model.

Routes:
    ``POST /predict``  one JSON record (object) or a batch (array of objects) -> ``{"model", "version",
                       "predictions": [records]}``; 400 malformed JSON, 413 body or batch too large,
                       422 missing or wrongly typed fields (named), 401/403 without the right token.
    ``GET /model``     name, version, input schema, output columns.
    ``GET /health``    liveness and reload state (never needs the token, for load balancers).

Small batches are predicted on the event loop itself: a thread hop costs more than a
one-record prediction, and the work is CPU-bound either way. Batches above ``inline_rows`` run in
the thread pool so ``/health`` stays responsive.

Example:
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from starlette.testclient import TestClient
    >>> from yotml_airflow.models import SklearnModel
    >>> folder = tempfile.mkdtemp() + "/m"
    >>> train = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 2.0]})
    >>> _ = SklearnModel(LinearRegression(), target="y").fit(train).save(folder)
    >>> response = TestClient(create_app(folder)).post("/predict", json={"x": 3.0}).json()
    >>> round(response["predictions"][0]["prediction"], 6), response["model"]
    (6.0, 'm')
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from yotml_airflow.errors import ConfigError, YotmlError
from yotml_airflow.serving._codec import dumps, encode_records, parse_json, records_from_columns
from yotml_airflow.serving._features import OnlineFeatures
from yotml_airflow.serving._holder import ModelHolder
from yotml_airflow.serving._source import ServedModel
from yotml_airflow.serving._validate import RequestError

log = logging.getLogger("yotml_airflow.serving")

DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_ROWS = 1000


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def _problem(error: RequestError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if error.status == 413:
        headers = {"Connection": "close"}
    return _json(error.body(), error.status, headers)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"request body too large: {declared} bytes, the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"request body too large: more than {limit} bytes, the limit is {limit}")
        chunks.append(chunk)
    return b"".join(chunks)


def _predict(served: ServedModel, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    validator = served.validator
    try:
        if served.fast_path is not None:
            columns = validator.columns(records)
            predicted = served.fast_path(columns)
            if predicted is not None:
                return records_from_columns(predicted)
            return encode_records(served.model.predict(validator.build_frame(columns)))
        return encode_records(served.model.predict(validator.frame(records)))
    except (YotmlError, ValueError) as exc:
        raise RequestError(422, f"the model rejected the input: {exc}") from None


class _Service:
    def __init__(
        self,
        holder: ModelHolder,
        token: str | None,
        max_body_bytes: int,
        inline_rows: int,
        features: OnlineFeatures | None = None,
    ):
        self.holder = holder
        self.features = features
        self.expected = f"Bearer {token}".encode() if token else None
        self.max_body_bytes = max_body_bytes
        self.inline_rows = inline_rows

    def authorize(self, request: Request) -> None:
        if self.expected is None:
            return
        given = request.headers.get("authorization")
        if not given:
            raise RequestError(401, "missing bearer token: send 'Authorization: Bearer <token>'")
        if not hmac.compare_digest(given.encode(), self.expected):
            raise RequestError(403, "the bearer token is not valid for this server")

    async def predict(self, request: Request) -> Response:
        try:
            self.authorize(request)
            payload = parse_json(await _read_body(request, self.max_body_bytes))
            served = self.holder.current
            records = served.validator.records(payload)
            if self.features is not None:
                records = self.features.enrich(records)
            if len(records) <= self.inline_rows:
                predictions = _predict(served, records)
            else:
                predictions = await run_in_threadpool(_predict, served, records)
        except RequestError as error:
            return _problem(error)
        except Exception as exc:
            log.exception("yotml serve: prediction failed")
            return _json({"error": f"prediction failed: {type(exc).__name__}: {exc}"}, 500)
        return _json({"model": served.name, "version": served.version, "predictions": predictions})

    async def model(self, request: Request) -> Response:
        try:
            self.authorize(request)
        except RequestError as error:
            return _problem(error)
        return _json(self.holder.current.describe())

    async def health(self, request: Request) -> Response:
        served = self.holder.current
        return _json({"status": "ok", "model": served.name, "version": served.version, **self.holder.status()})


def create_app(
    model: str | Path | ModelHolder,
    *,
    token: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    reload_interval: float | None = None,
    inline_rows: int = 64,
    tracking_uri: str | None = None,
    features: OnlineFeatures | None = None,
) -> Starlette:
    """The ASGI app serving ``model`` (an MLflow URI, a saved folder, or a ``ModelHolder``).

    Args:
        model: ``models:/name@alias``, ``models:/name/3``, ``runs:/...``, or a saved model folder.
        token: if set, ``/predict`` and ``/model`` need ``Authorization: Bearer <token>``.
        max_body_bytes: larger bodies get 413 (checked on Content-Length and while streaming).
        max_rows: larger batches get 413.
        reload_interval: poll the source every this many seconds and hot-swap new versions.
        inline_rows: batches up to this size are predicted on the event loop, larger in a thread.
        tracking_uri: the MLflow store of a URI (default: ``yotml_airflow.tracking.tracking_uri()``).
        features: fetch the model's features from the online feature store by each record's entity
            key before predicting (records then need only the key).

    The model is loaded here, before the app is returned, so a bad URI fails at start-up.
    """
    if max_body_bytes <= 0 or max_rows <= 0:
        raise ConfigError(f"max_body_bytes and max_rows must be positive, got {max_body_bytes} and {max_rows}")
    if reload_interval is not None and reload_interval < 0:
        raise ConfigError(f"reload_interval must be >= 0 seconds, got {reload_interval}")
    holder = (
        model
        if isinstance(model, ModelHolder)
        else ModelHolder(model, max_rows=max_rows, reload_interval=reload_interval, tracking_uri=tracking_uri)
    )
    service = _Service(holder, token, max_body_bytes, inline_rows, features)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        holder.start()
        try:
            yield
        finally:
            holder.stop()

    app = Starlette(
        routes=[
            Route("/predict", service.predict, methods=["POST"]),
            Route("/model", service.model, methods=["GET"]),
            Route("/health", service.health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.holder = holder
    return app
