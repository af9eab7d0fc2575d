"""Completion notifications: `[ENV] Pipeline completed: ...` to a webhook, or printed.

Why both: cloud environments post to the team's chat webhook; the local stack and
environments without one still need the line in the run's output. The webhook URL
usually embeds a token, so it is never echoed (errors name the key, not the value).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from finks_config import Config

log = logging.getLogger(__name__)

WEBHOOK_KEY = "NOTIFY_WEBHOOK_URL"


@dataclass(frozen=True)
class Notification:
    text: str
    delivered_to: str  # "webhook" or "stdout"
    ok: bool


def notification_text(config: Config, status: str, detail: str) -> str:
    """`[STAGING] Pipeline completed: medallion-staging ok (...)`."""
    return config.notify_text(f"Pipeline completed: {status}{' - ' + detail if detail else ''}")


def notify(
    config: Config,
    text: str,
    webhook_url: str | None,
    *,
    printer: Callable[[str], None] = print,
    timeout: float = 10.0,
) -> Notification:
    """Send `text` to the webhook when one is configured, else print it.

    A failing webhook never fails the pipeline: the text is printed instead and the
    failure logged without the URL.
    """
    if not webhook_url:
        printer(text)
        return Notification(text=text, delivered_to="stdout", ok=True)
    body = json.dumps({"text": text, "environment": config.environment.value}).encode()
    if not webhook_url.startswith(("http://", "https://")):
        raise ValueError(f"{WEBHOOK_KEY} must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        webhook_url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "code", None) or type(error).__name__
        log.warning(
            "%s notification webhook (%s) failed: %s", config.indicator, WEBHOOK_KEY, reason
        )
        ok = False
    if not ok:
        printer(text)
        return Notification(text=text, delivered_to="stdout", ok=False)
    return Notification(text=text, delivered_to="webhook", ok=True)
