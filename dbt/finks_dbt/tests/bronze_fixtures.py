"""Bronze objects in exactly the layout ingestion writes (contracts: "Ingestion -> bronze layout").

Generated in the test instead of committed: three companies in two sectors, 30 trading
days of prices, five years of annual and two years of quarterly income statements, plus the
awkward cases silver must handle: a re-fetch that corrects a price (latest fetched_at wins),
an empty response, a non-positive close, a null close and a record with junk numbers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

INGEST_DATE = date(2026, 11, 26)
FIRST_FETCH = datetime(2026, 11, 26, 13, 0, 0)
REFETCH = datetime(2026, 11, 26, 14, 30, 0)

PROFILES: dict[str, dict[str, Any]] = {
    "AAPL": {
        "companyName": "Apple Inc.",
        "sector": "Technology",
        "industry": "Consumer Electronics",
        "marketCap": 3.5e12,
        "beta": 1.2,
        "ipoDate": "1980-12-12",
        "isEtf": False,
    },
    "MSFT": {
        "companyName": "Microsoft Corporation",
        "sector": "Technology",
        "industry": "Software - Infrastructure",
        "marketCap": 3.1e12,
        "beta": 0.9,
        "ipoDate": "1986-03-13",
        "isEtf": False,
    },
    "XOM": {
        "companyName": "Exxon Mobil Corporation",
        "sector": "Energy",
        "industry": "Oil & Gas Integrated",
        "marketCap": 4.6e11,
        "beta": 0.8,
        "ipoDate": "1978-01-13",
        "isEtf": False,
    },
}
BASE_CLOSE = {"AAPL": 180.0, "MSFT": 400.0, "XOM": 110.0}
TRADING_DAYS = 30
# The one price the re-fetch corrects, and its corrected close.
CORRECTED = ("AAPL", 10, 999.0)


@dataclass(frozen=True)
class BronzeObject:
    key: str
    body: bytes


def trading_days(count: int = TRADING_DAYS, start: date = date(2026, 9, 1)) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def close_for(symbol: str, index: int) -> float:
    """A deterministic zig-zag so returns and volatility are non-trivial."""
    step = 1.0 if index % 3 else -1.5
    return round(BASE_CLOSE[symbol] + index * 0.5 + step, 2)


def bronze_object(
    dataset: str,
    symbol: str,
    params: dict[str, str],
    records: list[dict[str, Any]],
    fetched_at: datetime,
    ingest_date: date = INGEST_DATE,
) -> BronzeObject:
    raw = json.dumps(records).encode()
    name = hashlib.sha256(
        json.dumps([dataset, symbol, params], sort_keys=True).encode()
    ).hexdigest()[:16]
    envelope = {
        "source": "fmp",
        "dataset": dataset,
        "symbol": symbol,
        "url": f"http://fmp.local/stable/{dataset}?symbol={symbol}",
        "params": params,
        "fetched_at": fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_sha256": hashlib.sha256(raw).hexdigest(),
        "schema_version": 1,
        "record_count": len(records),
    }
    key = f"fmp/{dataset}/ingest_date={ingest_date.isoformat()}/symbol={symbol}/{name}.json"
    # One JSON document per line: the Athena JSON SerDe needs it, DuckDB does not care.
    return BronzeObject(
        key=key, body=json.dumps({"envelope": envelope, "records": records}).encode()
    )


def price_record(symbol: str, day: date, close: float | None) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "date": day.isoformat(),
        "open": close,
        "high": close,
        "low": close,
        "close": close,
        "volume": 1_000_000,
        "change": 0.5,
        "changePercent": 0.3,
        "vwap": close,
    }


def bronze_objects() -> list[BronzeObject]:
    days = trading_days()
    objects: list[BronzeObject] = []
    for symbol, profile in PROFILES.items():
        prices = [price_record(symbol, day, close_for(symbol, i)) for i, day in enumerate(days)]
        params = {"symbol": symbol, "from": days[0].isoformat(), "to": days[-1].isoformat()}
        objects.append(bronze_object("prices", symbol, params, prices, FIRST_FETCH))
        objects.append(
            bronze_object(
                "profiles",
                symbol,
                {"symbol": symbol},
                [
                    {
                        "symbol": symbol,
                        "exchange": "NASDAQ",
                        "currency": "USD",
                        "country": "US",
                        "isActivelyTrading": True,
                        **profile,
                    }
                ],
                FIRST_FETCH,
            )
        )
        statements = [income_record(symbol, year, "FY") for year in range(2021, 2026)]
        statements += [
            income_record(symbol, year, q) for year in (2024, 2025) for q in ("Q1", "Q2")
        ]
        objects.append(
            bronze_object(
                "income", symbol, {"symbol": symbol, "period": "all"}, statements, FIRST_FETCH
            )
        )

    # A later re-fetch of one day for AAPL under another ingest date: its close wins.
    symbol, index, corrected = CORRECTED
    day = days[index]
    objects.append(
        bronze_object(
            "prices",
            symbol,
            {"symbol": symbol, "from": day.isoformat(), "to": day.isoformat()},
            [price_record(symbol, day, corrected)],
            REFETCH,
            ingest_date=INGEST_DATE + timedelta(days=1),
        )
    )
    # Bad rows silver must drop: a zero close, a null close, junk numbers, a missing date.
    bad_day = days[-1] + timedelta(days=1)
    objects.append(
        bronze_object(
            "prices",
            "MSFT",
            {"symbol": "MSFT", "from": "bad", "to": "bad"},
            [
                price_record("MSFT", bad_day, 0.0),
                price_record("MSFT", bad_day + timedelta(days=1), None),
                {**price_record("MSFT", bad_day + timedelta(days=2), 10.0), "close": "n/a"},
                {**price_record("MSFT", bad_day, 10.0), "date": None},
            ],
            FIRST_FETCH,
        )
    )
    # An empty response (a symbol with no data in range) is an object with no records.
    objects.append(
        bronze_object(
            "prices",
            "XOM",
            {"symbol": "XOM", "from": "1990-01-01", "to": "1990-01-31"},
            [],
            FIRST_FETCH,
        )
    )
    return objects


def income_record(symbol: str, year: int, period: str) -> dict[str, Any]:
    scale = {"AAPL": 100.0, "MSFT": 80.0, "XOM": 120.0}[symbol]
    quarter_share = 1.0 if period == "FY" else 0.25
    revenue = scale * (1.1 ** (year - 2021)) * quarter_share * 1e9
    return {
        "date": f"{year}-12-31",
        "symbol": symbol,
        "reportedCurrency": "USD",
        "fiscalYear": str(year),
        "period": period,
        "revenue": revenue,
        "costOfRevenue": revenue * 0.6,
        "grossProfit": revenue * 0.4,
        "operatingIncome": revenue * 0.3,
        "netIncome": revenue * 0.2,
        "eps": 6.1,
        "epsDiluted": 6.0,
    }


def upload(s3: Any, bucket: str, objects: list[BronzeObject] | None = None) -> int:
    """Create the bronze bucket and put every object; returns how many were written."""
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    items = bronze_objects() if objects is None else objects
    for item in items:
        s3.put_object(Bucket=bucket, Key=item.key, Body=item.body, ContentType="application/json")
    return len(items)
