"""Notifiers: the webhook POSTs Slack-compatible JSON to a real HTTP server on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pandas as pd
import pytest

from tests.monitoring.frames import make_frame
from yotml_airflow.errors import NotificationError, SchemaError
from yotml_airflow.models.monitoring import CallableNotifier, DriftMonitor, WebhookNotifier, alerts_from_report


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status < 400 else b"nope")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(scope="module")
def drifted_report() -> pd.DataFrame:
    monitor = DriftMonitor().fit(make_frame(2000, seed=1))
    return monitor.predict(make_frame(500, seed=2, loc=0.8, extra_missing=0.1))


def test_webhook_delivers_text_and_structured_alerts(receiver: Receiver, drifted_report: pd.DataFrame) -> None:
    notifier = WebhookNotifier(receiver.url, headers={"Authorization": "Bearer t0ken"})
    sent = notifier.notify(drifted_report, model="churn", version=7, segment="store-3")
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hooks/alerts"
    assert request["headers"]["Authorization"] == "Bearer t0ken"
    body = request["body"]
    assert body["text"].startswith(f":rotating_light: {len(sent)} monitoring alerts")
    assert "churn v7 [segment store-3]: x ks" in body["text"]
    expected = drifted_report[drifted_report["alert"]]
    assert [(a["feature"], a["metric"]) for a in body["alerts"]] == list(
        map(tuple, expected[["feature", "metric"]].values.tolist())
    )
    first = body["alerts"][0]
    assert set(first) == {"model", "version", "segment", "feature", "metric", "value", "threshold", "bound"}
    assert (first["model"], first["version"], first["segment"]) == ("churn", "7", "store-3")
    assert first["value"] == pytest.approx(expected["value"].iloc[0])
    assert first["threshold"] == pytest.approx(expected["threshold"].iloc[0])


def test_no_alert_sends_nothing(receiver: Receiver) -> None:
    monitor = DriftMonitor().fit(make_frame(2000, seed=1))
    quiet = monitor.predict(make_frame(500, seed=3))
    assert not quiet["alert"].any()
    assert WebhookNotifier(receiver.url).notify(quiet, model="churn") == []
    assert receiver.requests == []


def test_refused_or_unreachable_webhook_raises_notification_error(
    receiver: Receiver, drifted_report: pd.DataFrame
) -> None:
    receiver.status = 500
    with pytest.raises(NotificationError, match="answered 500"):
        WebhookNotifier(receiver.url).notify(drifted_report)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(NotificationError, match="could not reach"):
        WebhookNotifier(f"http://127.0.0.1:{closed_port}/", timeout=2).notify(drifted_report)


def test_callable_notifier_and_report_validation(drifted_report: pd.DataFrame) -> None:
    received: list[object] = []
    sent = CallableNotifier(received.append).notify(drifted_report, model="m")
    assert received == [sent] and all(a.model == "m" for a in sent)
    with pytest.raises(SchemaError, match="misses column"):
        alerts_from_report(pd.DataFrame({"feature": ["x"]}))


def test_long_alert_lists_are_summarised_in_text(receiver: Receiver, drifted_report: pd.DataFrame) -> None:
    WebhookNotifier(receiver.url, max_lines=2).notify(drifted_report)
    body = receiver.requests[0]["body"]
    assert body["text"].count("•") == 2 and "more" in body["text"]
    assert len(body["alerts"]) == int(drifted_report["alert"].sum())
