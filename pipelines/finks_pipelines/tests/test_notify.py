from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from finks_pipelines.notify import notification_text, notify
from finks_pipelines.settings import pipelines_config
from finks_pipelines.tasks import send_notification


class Hook:
    def __init__(self, status: int) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []


@pytest.fixture
def webhook() -> Iterator[tuple[str, Hook]]:
    """A real HTTP endpoint on loopback that records what is POSTed to it."""
    hook = Hook(200)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.received.append(json.loads(body))
            self.send_response(hook.status)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook/secret-token", hook
    finally:
        server.shutdown()
        server.server_close()


def test_text_carries_the_environment() -> None:
    config = pipelines_config("staging")
    text = notification_text(config, "medallion-staging ok", "2 symbols")
    assert text == "[STAGING] Pipeline completed: medallion-staging ok - 2 symbols"


def test_without_webhook_it_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    sent = send_notification("dev", None, "medallion-dev ok", "fine")
    assert sent["delivered_to"] == "stdout"
    assert "[DEV] Pipeline completed: medallion-dev ok - fine" in capsys.readouterr().out


def test_webhook_receives_the_text(
    webhook: tuple[str, Hook], capsys: pytest.CaptureFixture[str]
) -> None:
    url, hook = webhook
    sent = send_notification("staging", {"NOTIFY_WEBHOOK_URL": url}, "medallion-staging ok", "")
    assert sent["delivered_to"] == "webhook" and sent["ok"]
    assert hook.received == [
        {"text": "[STAGING] Pipeline completed: medallion-staging ok", "environment": "staging"}
    ]
    assert capsys.readouterr().out == ""


def test_failing_webhook_falls_back_to_print_without_leaking_the_url(
    webhook: tuple[str, Hook], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    url, hook = webhook
    hook.status = 500
    config = pipelines_config("dev")
    sent = notify(config, "[DEV] Pipeline completed: x", url)
    assert not sent.ok and sent.delivered_to == "stdout"
    assert "[DEV] Pipeline completed: x" in capsys.readouterr().out
    assert "secret-token" not in caplog.text
    assert "NOTIFY_WEBHOOK_URL" in caplog.text
