"""Notifications: Slack's incoming-webhook payload with `[ENV]`; the webhook URL is a secret."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from finks_pipelines.notify import notification_text, notify, slack_payload
from finks_pipelines.settings import pipelines_config
from finks_pipelines.tasks import send_notification
from finks_testing.moto import MotoEndpoint

TOKEN = "T000/B000/XXXXsecrettokenXXXX"


class Hook:
    def __init__(self, status: int) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []


@pytest.fixture
def webhook() -> Iterator[tuple[str, Hook]]:
    """A real HTTP endpoint on loopback that records what is POSTed to it (Slack's shape)."""
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
        yield f"http://127.0.0.1:{server.server_address[1]}/services/{TOKEN}", hook
    finally:
        server.shutdown()
        server.server_close()


def test_text_and_payload_carry_the_environment() -> None:
    config = pipelines_config("staging")
    text = notification_text(config, "medallion-staging-2026-12-01 ok", "2 symbols")
    assert text == "[STAGING] Pipeline completed: medallion-staging-2026-12-01 ok - 2 symbols"
    payload = slack_payload(config, "no indicator yet")
    assert payload["text"] == "[STAGING] no indicator yet"
    assert payload["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "[STAGING] no indicator yet"},
    }
    assert "*staging*" in payload["blocks"][1]["elements"][0]["text"]


def test_without_a_webhook_it_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    sent = send_notification("local", None, "medallion-local-2026-12-01 ok", "fine")
    assert sent["delivered_to"] == "stdout"
    assert (
        "[LOCAL] Pipeline completed: medallion-local-2026-12-01 ok - fine"
        in capsys.readouterr().out
    )


def test_the_webhook_is_read_from_the_env_secret_and_never_shown(
    webhook: tuple[str, Hook],
    moto: MotoEndpoint,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, hook = webhook
    moto.raw_client("secretsmanager").create_secret(
        Name="/staging/slack/webhook_url", SecretString=url
    )
    overrides = {"AWS_ENDPOINT_URL": moto.url}
    with caplog.at_level(logging.INFO):
        sent = send_notification("staging", overrides, "medallion-staging-2026-12-01 ok", "")
    assert sent == {
        "text": "[STAGING] Pipeline completed: medallion-staging-2026-12-01 ok",
        "delivered_to": "slack",
        "ok": True,
    }
    (payload,) = hook.received
    assert payload["text"].startswith("[STAGING] ") and payload["blocks"]
    out = capsys.readouterr()
    assert "secrettoken" not in out.out + out.err + caplog.text


def test_a_stand_in_secret_works_locally(
    webhook: tuple[str, Hook], capsys: pytest.CaptureFixture[str]
) -> None:
    url, hook = webhook
    sent = send_notification(
        "dev", {"FINKS_SECRET_SLACK_WEBHOOK_URL": url}, "medallion-dev-2026-12-01 ok", ""
    )
    assert sent["delivered_to"] == "slack"
    assert hook.received[0]["text"] == "[DEV] Pipeline completed: medallion-dev-2026-12-01 ok"


def test_failing_webhook_falls_back_to_print_naming_the_secret_not_the_url(
    webhook: tuple[str, Hook], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    url, hook = webhook
    hook.status = 500
    sent = notify(pipelines_config("dev"), "[DEV] Pipeline completed: x", webhook=url)
    assert not sent.ok and sent.delivered_to == "stdout"
    assert "[DEV] Pipeline completed: x" in capsys.readouterr().out
    assert "secrettoken" not in caplog.text
    assert "/dev/slack/webhook_url" in caplog.text


def test_a_webhook_secret_that_is_no_url_is_named_not_shown(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    overrides = {"FINKS_SECRET_SLACK_WEBHOOK_URL": f"ftp://hooks/{TOKEN}"}
    sent = send_notification("dev", overrides, "medallion-dev-2026-12-01 ok", "")
    assert sent["delivered_to"] == "stdout"
    assert "secret /dev/slack/webhook_url is not an http(s) URL" in caplog.text
    assert "secrettoken" not in caplog.text + capsys.readouterr().out
