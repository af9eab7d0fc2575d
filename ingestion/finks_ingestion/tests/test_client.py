"""The FMP client against the local FMP server: retries, Retry-After, rate limit, scrubbing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from finks_ingestion.client import FetchError, FmpClient, RateLimiter, Scrubber, parse_retry_after
from finks_ingestion.settings import IngestionSettings
from finks_ingestion.tests.conftest import AS_OF, TEST_API_KEY
from finks_local.fmp import LocalFmpServer


def settings(url: str, **extra: object) -> IngestionSettings:
    base: dict[str, object] = {
        "fmp_base_url": url,
        "fmp_read_timeout_seconds": 0.3,
        "fmp_backoff_base_seconds": 0.01,
        "fmp_backoff_max_seconds": 0.05,
        "fmp_calls_per_minute": 0,
    }
    return IngestionSettings.model_validate({**base, **extra})


def fetch_error(fmp: FmpClient) -> FetchError:
    """The FetchError a profile request ends with (typed, unlike pytest.raises' info)."""
    try:
        fmp.get("/stable/profile", {"symbol": "AAPL"})
    except FetchError as exc:
        return exc
    raise AssertionError("expected a FetchError")


def test_honours_retry_after() -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=1.0, faults=("429",), max_consecutive_faults=1, as_of=AS_OF
    ) as server:
        retries: list[str] = []
        with FmpClient(settings(server.url), TEST_API_KEY, on_retry=retries.append) as fmp:
            started = time.monotonic()
            response = fmp.get("/stable/profile", {"symbol": "AAPL"})
            elapsed = time.monotonic() - started
    assert response.attempts == 2 and response.payload[0]["symbol"] == "AAPL"
    assert elapsed >= 1.0  # the server said Retry-After: 1; the backoff alone is <= 0.05 s
    assert "HTTP 429" in retries[0]


def test_gives_up_after_max_retries_with_a_scrubbed_error() -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY,
        fault_rate=1.0,
        faults=("truncated",),
        max_consecutive_faults=50,
        as_of=AS_OF,
    ) as server:
        retries: list[str] = []
        fmp = FmpClient(
            settings(server.url, fmp_max_retries=2), TEST_API_KEY, on_retry=retries.append
        )
        with fmp:
            err = fetch_error(fmp)
        assert server.stats["requests"] == 3  # the first attempt and two retries reached it
    assert err.attempts == 3 and err.retryable and err.kind == "retries" and len(retries) == 2
    assert "truncated or invalid JSON" in str(err)
    assert TEST_API_KEY not in str(err) and TEST_API_KEY not in err.url


def test_wrong_key_is_not_retried(fmp_server: LocalFmpServer) -> None:
    fmp = FmpClient(settings(fmp_server.url), "not-the-key")
    with fmp:
        err = fetch_error(fmp)
    assert "HTTP 403" in str(err) and err.kind == "auth"
    assert not err.retryable and "not-the-key" not in str(err)
    assert fmp_server.stats["fault_429"] == 0


def test_connection_refused_is_retried_then_fails() -> None:
    retries: list[str] = []
    attempts: list[int] = []
    fmp = FmpClient(
        settings("http://127.0.0.1:9", fmp_max_retries=2),
        TEST_API_KEY,
        on_retry=retries.append,
        limiter=lambda: attempts.append(1),
    )
    with fmp:
        err = fetch_error(fmp)
    assert err.kind == "unreachable" and err.attempts == 3
    assert "cannot connect" in str(err) and "gave up after 3 attempts" in str(err)
    assert len(retries) == 2 and all("retry" in r and "cannot connect" in r for r in retries)
    assert len(attempts) == 3  # the limiter ran before every attempt


def test_the_default_limiter_is_the_in_process_rate_limit(fmp_server: LocalFmpServer) -> None:
    with FmpClient(settings(fmp_server.url, fmp_calls_per_minute=600), TEST_API_KEY) as fmp:
        started = time.monotonic()
        for _ in range(4):
            fmp.get("/stable/profile", {"symbol": "AAPL"})
        assert time.monotonic() - started >= 0.29  # 4 calls at one per 0.1 s


def test_rate_limiter_spaces_calls() -> None:
    limiter = RateLimiter(calls_per_minute=600)  # one call per 0.1 s
    started = time.monotonic()
    for _ in range(4):
        limiter.acquire()
    assert time.monotonic() - started >= 0.29


def test_parse_retry_after_and_scrubber() -> None:
    assert parse_retry_after("3") == 3.0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=5), usegmt=True), now) == 5
    assert parse_retry_after("soon") is None
    scrub = Scrubber("s3cr3t")
    assert scrub("GET /x?apikey=s3cr3t&a=1 and s3cr3t") == "GET /x?apikey=***&a=1 and ***"
    assert scrub("?apikey=other") == "?apikey=***"


def test_settings_accept_a_stable_suffix_and_reject_non_urls() -> None:
    assert settings("http://h:1/stable/").fmp_base_url == "http://h:1"
    with pytest.raises(ValueError, match="http"):
        settings("ftp://nope")
