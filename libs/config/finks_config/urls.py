"""The one http(s) URL rule, as pydantic types every settings model uses.

    class FmpSettings(BaseModel):
        fmp_base_url: HttpUrl                   # required
        notify_webhook_url: OptionalHttpUrl = None  # empty -> None

Values stay plain ``str`` (stripped), so callers can join paths onto them.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from pydantic import AfterValidator, BeforeValidator, Field

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def check_http_url(value: str) -> str:
    """``value`` stripped, or ValueError unless it is ``http(s)://host...``."""
    text = value.strip()
    parsed = urlparse(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return text


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _check_optional(value: str | None) -> str | None:
    return None if value is None else check_http_url(value)


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (``127.x``, ``localhost``, ``::1``)."""
    host = (urlparse(url).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def url_origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: safe to print (no user info, path or query)."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parsed.port}" if parsed.port else ""
    except ValueError:  # a malformed port: show none rather than fail while reporting
        port = ""
    return f"{parsed.scheme}://{host}{port}" if parsed.scheme else host


_DOCS = Field(json_schema_extra={"docs_type": "http(s) URL"})  # what the settings docs print
HttpUrl = Annotated[str, AfterValidator(check_http_url), _DOCS]
OptionalHttpUrl = Annotated[
    str | None, BeforeValidator(_blank_to_none), AfterValidator(_check_optional), _DOCS
]
