"""``yotml_airflow.serving``: real-time predictions over HTTP, and the Python SDK to call them.

- ``create_app(uri_or_folder, token=..., reload_interval=...)``: the Starlette ASGI app
  (``POST /predict``, ``GET /model``, ``GET /health``); ``serve(...)`` runs it on uvicorn, as does
  the command ``yotml serve --model models:/churn@champion --port 8000``.
- ``ServerThread(model)``: the same uvicorn server in a background thread (notebooks, tests).
- ``YotmlClient(url, token=None).predict(records)``: remote calls with a kept-alive connection.
- A ``SegmentedModel`` is routed per record to its segment's model, loaded on first use (LRU).
- ``create_app(..., features=OnlineFeatures(store, ["view:feature", ...]))``: records carry the entity
  key and the server fetches the model's features from the online feature store before predicting.
- In-process, with no HTTP at all: ``yotml_airflow.tracking.load_model(uri).predict(df)``.
"""

from yotml_airflow.serving._app import create_app
from yotml_airflow.serving._client import YotmlClient
from yotml_airflow.serving._features import OnlineFeatures
from yotml_airflow.serving._holder import ModelHolder
from yotml_airflow.serving._server import ServerThread, free_port, serve
from yotml_airflow.serving._source import ServedModel, load_served
from yotml_airflow.serving._validate import InputValidator, RequestError

__all__ = [
    "InputValidator",
    "ModelHolder",
    "OnlineFeatures",
    "RequestError",
    "ServedModel",
    "ServerThread",
    "YotmlClient",
    "create_app",
    "free_port",
    "load_served",
    "serve",
]
