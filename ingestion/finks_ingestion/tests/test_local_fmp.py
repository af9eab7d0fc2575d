"""The local FMP server: dataset coverage, auth, response shapes, fault injection."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from finks_ingestion.local_fmp import SECTORS, SYMBOLS, LocalFmpServer, dataset
from finks_ingestion.tests.conftest import TEST_API_KEY


def test_dataset_covers_what_the_platform_needs() -> None:
    assert len(SYMBOLS) >= 10
    assert len(SECTORS) >= 3
    days = dataset.trading_days()
    assert (days[-1] - days[0]).days >= 2 * 365
    assert len(days) >= 2 * 250
    for symbol in SYMBOLS:
        assert len(dataset.income(symbol, "quarter", 8)) == 8
        assert len(dataset.income(symbol, "annual", 3)) == 3
        assert dataset.profile(symbol)[0]["sector"] in SECTORS
    # FY figures are the sum of the quarters, so gold marts can cross-check them.
    quarters = dataset.income("AAPL", "quarter", None)
    fy = {r["fiscalYear"]: r for r in dataset.income("AAPL", "annual", None)}
    q2024 = [r for r in quarters if r["fiscalYear"] == "2024"]
    assert sum(r["revenue"] for r in q2024) == fy["2024"]["revenue"]


def test_requires_the_api_key(fmp_server: LocalFmpServer) -> None:
    url = f"{fmp_server.url}/stable/profile"
    assert httpx.get(url, params={"symbol": "AAPL"}).status_code == 401
    assert httpx.get(url, params={"symbol": "AAPL", "apikey": "wrong"}).status_code == 403
    ok = httpx.get(url, params={"symbol": "AAPL", "apikey": TEST_API_KEY})
    assert ok.status_code == 200
    assert ok.json()[0]["companyName"] == "Apple Inc."


def test_serves_stable_shapes_deterministically(fmp_server: LocalFmpServer) -> None:
    params = {"symbol": "MSFT", "from": "2024-01-01", "to": "2024-01-31", "apikey": TEST_API_KEY}
    url = f"{fmp_server.url}/stable/historical-price-eod/full"
    first = httpx.get(url, params=params)
    second = httpx.get(url, params=params)
    assert first.content == second.content
    bars = first.json()
    assert bars[0]["date"] > bars[-1]["date"]  # newest first, as FMP
    assert {
        "symbol",
        "date",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "change",
        "changePercent",
        "vwap",
    } <= set(bars[0])
    assert all("2024-01-01" <= b["date"] <= "2024-01-31" for b in bars)
    income = httpx.get(
        f"{fmp_server.url}/stable/income-statement",
        params={"symbol": "JPM", "period": "quarter", "limit": "8", "apikey": TEST_API_KEY},
    ).json()
    assert [r["period"] for r in income[:4]] == ["Q4", "Q3", "Q2", "Q1"]
    unknown = httpx.get(
        f"{fmp_server.url}/stable/profile", params={"symbol": "NOPE", "apikey": TEST_API_KEY}
    )
    assert unknown.json() == []


@pytest.mark.parametrize("kind", ["429", "500", "truncated"])
def test_injects_request_faults(kind: str) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=1.0, faults=(kind,), max_consecutive_faults=2
    ) as server:
        url = f"{server.url}/stable/profile"
        params = {"symbol": "AAPL", "apikey": TEST_API_KEY}
        first = httpx.get(url, params=params)
        if kind == "429":
            assert first.status_code == 429
            assert first.headers["Retry-After"] == "1"
        elif kind == "500":
            assert first.status_code == 500
        else:
            assert first.status_code == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(first.content)
        httpx.get(url, params=params)
        # After max_consecutive_faults the request goes through: faults are transient.
        third = httpx.get(url, params=params)
        assert third.status_code == 200 and third.json()[0]["symbol"] == "AAPL"
        assert server.stats[f"fault_{kind}"] == 2


def test_slow_fault_outlasts_the_client_timeout() -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY,
        fault_rate=1.0,
        faults=("slow",),
        slow_seconds=0.6,
        max_consecutive_faults=1,
    ) as server:
        params = {"symbol": "AAPL", "apikey": TEST_API_KEY}
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.url}/stable/profile", params=params, timeout=0.2)
        assert httpx.get(f"{server.url}/stable/profile", params=params).status_code == 200


def test_drift_is_per_record_and_deterministic() -> None:
    with LocalFmpServer(api_key=TEST_API_KEY, fault_rate=0.3, faults=("drift",)) as server:
        params = {"symbol": "XOM", "from": "2024-01-01", "to": "2024-06-30", "apikey": TEST_API_KEY}
        url = f"{server.url}/stable/historical-price-eod/full"
        a = httpx.get(url, params=params)
        b = httpx.get(url, params=params)
    assert a.content == b.content
    bars = a.json()
    drifted = [
        r
        for r in bars
        if not isinstance(r.get("close"), float | int) or not isinstance(r.get("volume"), int)
    ]
    assert 0.15 * len(bars) < len(drifted) < 0.45 * len(bars)
    assert len({r["date"] for r in bars}) == len(bars)


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        LocalFmpServer(faults=("boom",))
    assert dataset.prices("AAPL", date(2024, 1, 6), date(2024, 1, 7)) == []  # a weekend
