"""The local FMP server over HTTP: auth, shapes, the clock, unknown symbols, faults."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from finks_local.fmp import LocalFmpServer, dataset
from finks_local.fmp.server import main
from finks_local.fmp.tests.conftest import AS_OF, TEST_API_KEY

PRICES = "/stable/historical-price-eod/full"


def test_requires_the_api_key(fmp_server: LocalFmpServer) -> None:
    url = f"{fmp_server.url}/stable/profile"
    assert httpx.get(url, params={"symbol": "AAPL"}).status_code == 401
    assert httpx.get(url, params={"symbol": "AAPL", "apikey": "wrong"}).status_code == 403
    ok = httpx.get(url, params={"symbol": "AAPL", "apikey": TEST_API_KEY})
    assert ok.status_code == 200
    assert ok.json()[0]["companyName"] == "Apple Inc."


def test_serves_stable_shapes_deterministically(fmp_server: LocalFmpServer) -> None:
    params = {"symbol": "MSFT", "from": "2024-01-01", "to": "2024-01-31", "apikey": TEST_API_KEY}
    first = httpx.get(f"{fmp_server.url}{PRICES}", params=params)
    second = httpx.get(f"{fmp_server.url}{PRICES}", params=params)
    assert first.content == second.content
    bars = first.json()
    assert bars == dataset.prices("MSFT", date(2024, 1, 1), date(2024, 1, 31), as_of=AS_OF)
    assert bars[0]["date"] > bars[-1]["date"]  # newest first, as FMP
    assert set(bars[0]) >= {"symbol", "date", "open", "high", "low", "close", "volume", "vwap"}
    income = httpx.get(
        f"{fmp_server.url}/stable/income-statement",
        params={"symbol": "JPM", "period": "quarter", "limit": "8", "apikey": TEST_API_KEY},
    ).json()
    assert len(income) == 8 and income[0]["period"] in ("Q1", "Q2", "Q3", "Q4")


def test_unknown_symbol_answers_like_fmp(fmp_server: LocalFmpServer) -> None:
    for path in (PRICES, "/stable/profile", "/stable/income-statement", "/stable/quote"):
        answer = httpx.get(
            f"{fmp_server.url}{path}", params={"symbol": "NOPE", "apikey": TEST_API_KEY}
        )
        assert (answer.status_code, answer.json()) == (200, [])
    missing = httpx.get(f"{fmp_server.url}/stable/profile", params={"apikey": TEST_API_KEY})
    assert missing.status_code == 400


def test_the_clock_moves_between_simulated_days() -> None:
    with LocalFmpServer(api_key=TEST_API_KEY, as_of=date(2026, 3, 2)) as server:
        params = {"symbol": "XOM", "from": "2026-02-20", "to": "2026-03-31", "apikey": TEST_API_KEY}
        monday = httpx.get(f"{server.url}{PRICES}", params=params).json()
        server.as_of = date(2026, 3, 3)
        tuesday = httpx.get(f"{server.url}{PRICES}", params=params).json()
    assert monday[0]["date"] == "2026-03-02"
    assert tuesday[0]["date"] == "2026-03-03" and tuesday[1:] == monday


@pytest.mark.parametrize("kind", ["429", "500", "truncated"])
def test_injects_request_faults(kind: str) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=1.0, faults=(kind,), max_consecutive_faults=2, as_of=AS_OF
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
        as_of=AS_OF,
    ) as server:
        params = {"symbol": "AAPL", "apikey": TEST_API_KEY}
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.url}/stable/profile", params=params, timeout=0.2)
        assert httpx.get(f"{server.url}/stable/profile", params=params).status_code == 200


def test_drift_is_per_record_and_deterministic() -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=0.3, faults=("drift",), as_of=AS_OF
    ) as server:
        params = {"symbol": "XOM", "from": "2024-01-01", "to": "2024-06-30", "apikey": TEST_API_KEY}
        a = httpx.get(f"{server.url}{PRICES}", params=params)
        b = httpx.get(f"{server.url}{PRICES}", params=params)
    assert a.content == b.content
    bars = a.json()
    drifted = [
        r
        for r in bars
        if not isinstance(r.get("close"), float | int) or not isinstance(r.get("volume"), int)
    ]
    assert 0.15 * len(bars) < len(drifted) < 0.45 * len(bars)
    assert len({r["date"] for r in bars}) == len(bars)


def test_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        LocalFmpServer(faults=("boom",), as_of=AS_OF)
    with pytest.raises(ValueError, match="revision_rate"):
        LocalFmpServer(revision_rate=2.0, as_of=AS_OF)
    assert main(["--fault-rate", "3", "--port", "0"]) == 2
    assert "fault_rate must be within 0..1" in capsys.readouterr().err


def test_the_response_cache_answers_repeats_and_follows_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Benchmarks' cache: a repeat is not generated again; a new day is; answers unchanged."""
    calls: list[str] = []
    real = dataset.prices

    def counted(symbol: str, *args: object, **kwargs: object) -> list[dict[str, object]]:
        calls.append(symbol)
        return real(symbol, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("finks_local.fmp.server.dataset.prices", counted)
    params = {"symbol": "XOM", "from": "2026-02-20", "to": "2026-03-31", "apikey": TEST_API_KEY}
    with LocalFmpServer(api_key=TEST_API_KEY, as_of=date(2026, 3, 2)) as plain:
        expected = httpx.get(f"{plain.url}{PRICES}", params=params).content
    with LocalFmpServer(
        api_key=TEST_API_KEY, as_of=date(2026, 3, 2), cache_responses=True
    ) as server:
        first = httpx.get(f"{server.url}{PRICES}", params=params).content
        again = httpx.get(f"{server.url}{PRICES}", params=params).content
        assert first == again == expected and len(calls) == 2  # plain once, cached once
        server.as_of = date(2026, 3, 3)
        tuesday = httpx.get(f"{server.url}{PRICES}", params=params).json()
    assert tuesday[0]["date"] == "2026-03-03" and len(calls) == 3
    with pytest.raises(ValueError, match="cache_responses needs fault_rate 0"):
        LocalFmpServer(as_of=AS_OF, fault_rate=0.1, cache_responses=True)
