"""Run notifications: Slack's incoming-webhook payload, always led by the `[ENV]` indicator.

Why Slack's own payload: the team's channel is a Slack incoming webhook, which wants
`{"text": ..., "blocks": [...]}`; `text` is what notifications and screen readers show,
`blocks` what the channel renders. The webhook URL is a credential (it embeds a token),
so it is the secret `/{env}/slack/webhook_url` (`get_secret`, stand-in
`FINKS_SECRET_SLACK_WEBHOOK_URL`), never a config key, and it is never printed: errors
name the secret's path. Without a webhook (local, or none provisioned) the text is
printed, and a failing webhook never fails the pipeline.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from finks_config import Config, ConfigError
from finks_config.urls import check_http_url

log = logging.getLogger(__name__)

SLACK_SERVICE, SLACK_NAME = "slack", "webhook_url"


@dataclass(frozen=True)
class Notification:
    text: str
    delivered_to: str  # "slack" or "stdout"
    ok: bool


def notification_text(config: Config, status: str, detail: str) -> str:
    """`[STAGING] Pipeline completed: medallion-staging-2026-12-01 ok - ...`."""
    return config.notify_text(f"Pipeline completed: {status}{' - ' + detail if detail else ''}")


def slack_payload(config: Config, text: str) -> dict[str, Any]:
    """Slack incoming-webhook JSON for `text`; the first words are always `[ENV]`."""
    if not text.startswith(config.indicator):
        text = config.notify_text(text)
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"environment: *{config.environment.value}*"}
                ],
            },
        ],
    }


def webhook_url(config: Config) -> str | None:
    """The env's Slack webhook (a secret), or None when it has none (then we print)."""
    from finks_config.aws import get_secret

    try:
        return check_http_url(get_secret(config, SLACK_SERVICE, SLACK_NAME).get_secret_value())
    except ConfigError as error:
        if not config.is_local:
            log.warning("%s no Slack webhook: %s", config.indicator, error)
    except ValueError:
        log.warning(
            "%s secret %s is not an http(s) URL; printing notifications instead",
            config.indicator,
            config.secret_path(SLACK_SERVICE, SLACK_NAME),
        )
    return None


def notify(
    config: Config,
    text: str,
    *,
    webhook: str | None = None,
    printer: Callable[[str], None] = print,
    timeout: float = 10.0,
) -> Notification:
    """POST `text` to the Slack webhook when there is one, else print it.

    A failing webhook is logged by the secret's path (never the URL) and the text printed.
    """
    payload = slack_payload(config, text)
    if not webhook:
        printer(payload["text"])
        return Notification(text=payload["text"], delivered_to="stdout", ok=True)
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked in webhook_url
        webhook,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "code", None) or type(error).__name__
        log.warning(
            "%s Slack webhook (secret %s) failed: %s",
            config.indicator,
            config.secret_path(SLACK_SERVICE, SLACK_NAME),
            reason,
        )
        ok = False
    if not ok:
        printer(payload["text"])
        return Notification(text=payload["text"], delivered_to="stdout", ok=False)
    return Notification(text=payload["text"], delivered_to="slack", ok=True)


def send(config: Config, text: str) -> Notification:
    """`notify` to the env's own webhook: what flows and checks call on an outcome."""
    return notify(config, text, webhook=webhook_url(config))
