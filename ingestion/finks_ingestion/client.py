"""HTTP client for FMP's `/stable/` API: connection reuse, timeouts, retries, rate limit.

The rate limit is a callable run before every HTTP attempt (retries too, since each one
spends quota): by default an in-process RateLimiter, or a limiter shared by every task and
process of an environment (the pipelines pass a Prefect global-concurrency rate limit).

Why its own module: this is the only place that sees the API key. Every URL, log line and
error it produces goes through `Scrubber`, so the key cannot leak into logs, reports or
bronze objects.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlencode

# urllib3 comes with botocore (finks_config's S3 client). Why not httpx: a run makes
# thousands of requests from one process, and urllib3 spends about half the CPU per
# request (a 460 KB price history: 1.1 ms instead of 2.8 ms).
import urllib3  # pants: no-infer-dep

# pydantic's JSON parser (pydantic_core comes with pydantic, which settings.py requires).
from pydantic_core import from_json  # pants: no-infer-dep

from finks_ingestion.settings import IngestionSettings

log = logging.getLogger(__name__)

ENDPOINTS: dict[str, str] = {
    "prices": "/stable/historical-price-eod/full",
    "profiles": "/stable/profile",
    "income": "/stable/income-statement",
}

_APIKEY_PARAM = re.compile(r"(apikey=)[^&\s'\"]+", re.IGNORECASE)


class Scrubber:
    """Removes the API key from any text (URLs, messages, exception strings)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __call__(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "***")
        return _APIKEY_PARAM.sub(r"\1***", text)


class _ScrubLogFilter(logging.Filter):
    """Scrubs records of the HTTP library's loggers (urllib3 logs every request URL)."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self._scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._scrub(record.getMessage())
        record.args = ()
        return True


# A logger's filters see only its own records, so each urllib3 module's logger gets one.
_HTTP_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)


def _install_log_scrubbing(scrub: Scrubber) -> _ScrubLogFilter:
    flt = _ScrubLogFilter(scrub)
    for name in _HTTP_LOGGERS:
        logging.getLogger(name).addFilter(flt)
    return flt


def _remove_log_scrubbing(flt: _ScrubLogFilter) -> None:
    for name in _HTTP_LOGGERS:
        logging.getLogger(name).removeFilter(flt)


Limiter = Callable[[], None]
# Why a request failed: "auth" (key rejected) and "unreachable" (no connection at all) are
# setup problems; the others are this request's.
FailureKind = Literal["auth", "unreachable", "retries", "http", "payload"]


class FetchError(Exception):
    """A request that could not be completed (message already scrubbed)."""

    def __init__(
        self, message: str, *, url: str, attempts: int, retryable: bool, kind: FailureKind
    ) -> None:
        super().__init__(message)
        self.url = url
        self.attempts = attempts
        self.retryable = retryable
        self.kind = kind


class _Retry(Exception):
    def __init__(
        self, reason: str, retry_after: float | None = None, *, unreachable: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.unreachable = unreachable


@dataclass(frozen=True)
class FmpResponse:
    url: str  # without the API key
    params: dict[str, str]
    body: bytes
    payload: list[Any]
    attempts: int

    @property
    def retries(self) -> int:
        return self.attempts - 1


class RateLimiter:
    """Spaces calls evenly to at most `calls_per_minute` (0 = unlimited); thread-safe."""

    def __init__(self, calls_per_minute: int, sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 60.0 / calls_per_minute if calls_per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def acquire(self) -> None:
        if self._interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class FmpClient:
    """GET FMP `/stable/` endpoints with retries; returns the raw body and parsed list."""

    def __init__(
        self,
        settings: IngestionSettings,
        api_key: str,
        *,
        on_retry: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: Limiter | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("the FMP API key is empty")
        self.settings = settings
        self._key = api_key
        self.scrub = Scrubber(api_key)
        self._log_filter = _install_log_scrubbing(self.scrub)
        self._on_retry = on_retry
        self._sleep = sleep
        self._limit: Limiter = limiter or RateLimiter(settings.fmp_calls_per_minute, sleep).acquire
        self._base = str(settings.fmp_base_url).rstrip("/")
        # Retries are this client's (with backoff, Retry-After and the rate limit), never
        # urllib3's; redirects are not followed; kept-alive connections are reused.
        self._http = urllib3.PoolManager(
            maxsize=settings.ingest_concurrency * 2,
            timeout=urllib3.Timeout(
                connect=settings.fmp_connect_timeout_seconds,
                read=settings.fmp_read_timeout_seconds,
            ),
            retries=False,
            headers={"Accept": "application/json", "User-Agent": "finks-ingestion/1"},
        )

    def __enter__(self) -> FmpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.clear()
        _remove_log_scrubbing(self._log_filter)

    def public_url(self, path: str, params: Mapping[str, str]) -> str:
        """The request URL as it may be shown or stored: no API key."""
        query = urlencode(sorted(params.items()))
        return f"{self._base}{path}" + (f"?{query}" if query else "")

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter (half fixed, half random) for retry `attempt`."""
        ceiling = min(
            self.settings.fmp_backoff_max_seconds,
            self.settings.fmp_backoff_base_seconds * (2**attempt),
        )
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto

    def get(self, path: str, params: Mapping[str, str]) -> FmpResponse:
        """One logical request: retried on 429/5xx/timeouts/broken bodies, else FetchError."""
        params = dict(params)
        url = self.public_url(path, params)
        max_attempts = self.settings.fmp_max_retries + 1
        for attempt in range(max_attempts):
            try:
                body, payload = self._attempt(path, params)
                return FmpResponse(url, params, body, payload, attempt + 1)
            except _Retry as retry:
                if attempt + 1 >= max_attempts:
                    raise FetchError(
                        f"{url}: {retry.reason}; gave up after {max_attempts} attempts",
                        url=url,
                        attempts=max_attempts,
                        retryable=True,
                        kind="unreachable" if retry.unreachable else "retries",
                    ) from None
                delay = self.backoff(attempt)
                if retry.retry_after is not None:
                    delay = max(
                        delay, min(retry.retry_after, self.settings.fmp_retry_after_max_seconds)
                    )
                message = (
                    f"{url}: {retry.reason}; retry {attempt + 1}/"
                    f"{max_attempts - 1} in {delay:.2f}s"
                )
                log.info("%s", message)
                if self._on_retry is not None:
                    self._on_retry(message)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, path: str, params: dict[str, str]) -> tuple[bytes, list[Any]]:
        url = self.public_url(path, params)
        self._limit()
        try:
            response = self._http.request(
                "GET", self._base + path, fields={**params, "apikey": self._key}, redirect=False
            )
        # NewConnectionError is a ConnectTimeoutError subclass, so it is tested first;
        # HTTPError, last, covers broken connections, short bodies and protocol errors.
        except urllib3.exceptions.NewConnectionError as exc:
            detail = self.scrub(str(exc))
            raise _Retry(f"cannot connect ({detail})", unreachable=True) from None
        except urllib3.exceptions.ConnectTimeoutError:
            raise _Retry("connect timed out", unreachable=True) from None
        except urllib3.exceptions.TimeoutError as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from None
        except urllib3.exceptions.HTTPError as exc:
            detail = self.scrub(str(exc))
            raise _Retry(f"transport error ({type(exc).__name__}: {detail})") from None
        status = response.status
        if status == 429:
            raise _Retry(
                "HTTP 429 rate limited", parse_retry_after(response.headers.get("Retry-After"))
            )
        if status >= 500:
            raise _Retry(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            raise FetchError(
                f"{url}: HTTP {status}: FMP rejected the API key; check the `fmp` secret "
                "(FINKS_SECRET_FMP_API_KEY locally)",
                url=url,
                attempts=1,
                retryable=False,
                kind="auth",
            )
        if status != 200:
            text = response.data[:200].decode(errors="replace")
            raise FetchError(
                f"{url}: HTTP {status}: {self.scrub(text)}",
                url=url,
                attempts=1,
                retryable=False,
                kind="http",
            )
        body = response.data
        try:
            payload = from_json(body)  # json.loads' result, in about half the time
        except ValueError:
            raise _Retry(f"truncated or invalid JSON body ({len(body)} bytes)") from None
        if isinstance(payload, dict) and ("Error Message" in payload or "error" in payload):
            detail = str(payload.get("Error Message") or payload.get("error"))
            raise FetchError(
                f"{url}: FMP error: {self.scrub(detail[:200])}",
                url=url,
                attempts=1,
                retryable=False,
                kind="payload",
            )
        if not isinstance(payload, list):
            raise FetchError(
                f"{url}: expected a JSON list, got {type(payload).__name__}",
                url=url,
                attempts=1,
                retryable=False,
                kind="payload",
            )
        return body, payload
