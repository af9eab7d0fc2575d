"""Secrets: where they live, how to recognise one, and how to keep them out of output.

Secrets live in AWS Secrets Manager at ``/{env}/{service}/{name}``; an env var
``FINKS_SECRET_<SERVICE>_<NAME>`` (or a personal, git-ignored ``.env.{env}.local``
line, or an ``overrides`` entry) may stand in, which is how local runs and
tests work without an account. Committed ``.env`` files never hold secrets:
``looks_like_secret`` is the rule the repository scan and the doctor enforce.
"""

from __future__ import annotations

import re
import threading

MASK = "********"
_SECRET_KEY_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "WEBHOOK")
# Keys whose values name a secret or a location rather than hold one.
_REFERENCE_KEY_SUFFIXES = ("_PATH", "_PREFIX", "_ID_PATH", "_SECRET_NAME", "_SECRET_ID")
_PLACEHOLDER = re.compile(
    r"^(?:|<[^>]*>|\$\{[^}]*\}|x{3,}|\*{3,}|\.{3}|changeme|change[-_]me|replace[-_]?me|"
    r"your[-_].*|todo|tbd|none|null|placeholder|dummy|example|fake|test|testing|local|"
    r"not[-_]?set|unset)$",
    re.IGNORECASE,
)
# Webhook URLs are credentials: whoever has one can post to the channel.
_WEBHOOK_URL = re.compile(
    r"https?://(?:"
    r"hooks\.slack\.com/(?:services|workflows|triggers)/|"
    r"(?:[\w-]+\.)?discord(?:app)?\.com/api/webhooks/|"
    r"[\w.-]*webhook\.office\.com/|outlook\.office(?:365)?\.com/webhook/|"
    r"chat\.googleapis\.com/v1/spaces/[^\s]*[?&](?:key|token)=|"
    r"api\.telegram\.org/bot\d+:|hooks\.zapier\.com/hooks/|"
    r"[\w.-]+(?::\d+)?/(?:[\w.-]+/)*(?:webhooks?|hooks)/(?:[\w.-]+/)*[A-Za-z0-9_-]{16,}"
    r")[^\s'\"]*",
    re.IGNORECASE,
)
# Values that are credentials whatever their key is called.
_CREDENTIAL_VALUE = re.compile(
    r"(?:^|[^A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?:$|[^A-Z0-9])|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}\b|\bsk-[A-Za-z0-9]{20,}\b|"
    r"://[^/\s:@]+:[^/\s@]+@|" + _WEBHOOK_URL.pattern,
    re.IGNORECASE,
)
# In free text (errors, URLs in log lines): credentials carried by URLs.
_URL_USERINFO = re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@")
_SENSITIVE_QUERY = re.compile(
    r"(?i)([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|secret|password|passwd|"
    r"signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#\s'\"]+"
)

_revealed: set[str] = set()
_revealed_lock = threading.Lock()


def is_secret_key(key: str) -> bool:
    """True when a key's name says its value is a credential (KEY, SECRET, TOKEN, PASSWORD)."""
    upper = key.upper()
    return any(word in upper for word in _SECRET_KEY_WORDS)


def is_placeholder(value: str) -> bool:
    """Empty or an obvious placeholder (``<your key>``, ``changeme``, ``${FMP_API_KEY}``)."""
    return bool(_PLACEHOLDER.match(value.strip().strip("'\"")))


def looks_like_secret(key: str, value: str) -> bool:
    """True for a value that must not be committed: a credential-named key with a real value,
    or any value shaped like a known credential (AWS key id, private key, token, URL password).
    """
    if _CREDENTIAL_VALUE.search(value):
        return True
    if not is_secret_key(key) or is_placeholder(value):
        return False
    upper = key.upper()
    if upper.endswith(_REFERENCE_KEY_SUFFIXES):
        return False
    stripped = value.strip()
    # A reference to where the secret lives, not the secret itself.
    return not (stripped.startswith("/") or stripped.startswith("arn:aws:secretsmanager:"))


def mask(key: str, value: str | None) -> str | None:
    """The value to show for ``key``: masked when the key names a secret."""
    if value is None:
        return None
    if is_secret_key(key) or looks_like_secret(key, value):
        return MASK if value else ""
    return value


def standin_key(service: str, name: str = "api_key") -> str:
    """``FINKS_SECRET_FMP_API_KEY``: the variable that may stand in for a secret."""
    norm = re.sub(r"[^A-Za-z0-9]+", "_", f"{service}_{name}").strip("_").upper()
    return f"FINKS_SECRET_{norm}"


def remember_secret(value: str) -> None:
    """Register a revealed secret so log output redacts it (see ``configure_logging``)."""
    if len(value) >= 4:
        with _revealed_lock:
            _revealed.add(value)


def scrub_url(text: str) -> str:
    """``text`` with credentials carried by URLs masked: ``user:password@``, ``?apikey=...``
    (and the other credential query parameters) and whole webhook URLs."""
    text = _WEBHOOK_URL.sub(MASK, text)
    text = _URL_USERINFO.sub(MASK + "@", text)
    return _SENSITIVE_QUERY.sub(lambda m: m.group(1) + MASK, text)


def redact(text: str) -> str:
    """``text`` with every secret this process has read, and every credential a URL in it
    carries, replaced by the mask."""
    with _revealed_lock:
        values = sorted(_revealed, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return scrub_url(text)
