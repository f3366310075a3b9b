"""Python SDK for a running ``yotml serve``: ``YotmlClient(url).predict(records)``.

One ``httpx.Client`` per ``YotmlClient`` keeps the connection alive between calls, so a call
costs one loopback round trip plus the prediction. For the lowest latency there is no server at
all: ``yotml_airflow.tracking.load_model(uri).predict(df)`` in your own process.

Example (against a running server)::

    with YotmlClient("http://127.0.0.1:8000", token="s3cret") as client:
        client.predict({"tenure": 12, "plan": "pro"})          # [{'prediction': 0, ...}]
        client.predict_frame(df)                               # DataFrame, df's index, declared dtypes
        client.model_info()["version"]                         # 7
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
import pandas as pd

from yotml_airflow.errors import ServingError
from yotml_airflow.models._schema import to_pandas_dtype
from yotml_airflow.serving._codec import encode_records

Records = Mapping[str, Any] | Sequence[Mapping[str, Any]]


class YotmlClient:
    """Client of a yotml prediction server.

    Args:
        url: the server's base URL, e.g. ``http://127.0.0.1:8000``.
        token: bearer token, if the server was started with ``--token``.
        timeout: seconds per request.

    Errors the server returns (400, 401, 403, 413, 422, 5xx) raise ``ServingError`` with
    ``status`` and the server's per-field ``detail``.
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)
        self._output_columns: dict[str, str] | None = None

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ServingError(f"{method} {self.url}{path} failed: {type(exc).__name__}: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {"error": response.text}
        if response.status_code >= 400:
            message = data.get("error", response.text) if isinstance(data, dict) else response.text
            detail = data.get("detail", []) if isinstance(data, dict) else []
            raise ServingError(f"{response.status_code} from {self.url}{path}: {message}", response.status_code, detail)
        return data  # type: ignore[no-any-return]

    def predict_raw(self, records: Records) -> dict[str, Any]:
        """The whole response: ``{"model", "version", "predictions"}``."""
        body = dict(records) if isinstance(records, Mapping) else [dict(r) for r in records]
        return self._call("POST", "/predict", body)

    def predict(self, records: Records) -> list[dict[str, Any]]:
        """Predictions for one record (a mapping) or a batch (a sequence of mappings), one dict each."""
        return self.predict_raw(records)["predictions"]  # type: ignore[no-any-return]

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Predictions for the rows of ``df`` as a frame with ``df``'s index and the declared dtypes."""
        if self._output_columns is None:
            self._output_columns = self.model_info()["output_columns"]
        columns = self._output_columns
        rows = self.predict(encode_records(df)) if len(df) else []
        out = pd.DataFrame(rows, columns=list(columns), index=df.index)
        for col, dtype in columns.items():
            out[col] = pd.to_datetime(out[col]) if dtype.startswith("datetime") else out[col]
            out[col] = out[col].astype(to_pandas_dtype(dtype))  # type: ignore[call-overload]
        return out

    def model_info(self) -> dict[str, Any]:
        """``GET /model``: name, version, input schema and output columns of the served model."""
        return self._call("GET", "/model")

    def health(self) -> dict[str, Any]:
        """``GET /health``: status, model name and version, reload state."""
        return self._call("GET", "/health")

    def close(self) -> None:
        """Close the kept-alive connection."""
        self._http.close()

    def __enter__(self) -> YotmlClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
