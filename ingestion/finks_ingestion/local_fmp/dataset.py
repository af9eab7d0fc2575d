"""Deterministic synthetic FMP data for the local environment and tests.

Why synthetic: there is no internet in CI or on the local stack, and recorded real data
cannot be redistributed. Every value is derived from a fixed seed per symbol, so the same
request returns byte-identical JSON on every machine (which is what makes idempotent
re-runs testable). Field names follow FMP's `/stable/` responses.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Company:
    symbol: str
    name: str
    sector: str
    industry: str
    exchange: str
    country: str
    ipo_date: str
    base_price: float
    shares_millions: float
    base_revenue_millions: float  # quarterly revenue at the start of the dataset
    is_etf: bool = False


COMPANIES: tuple[Company, ...] = (
    Company(
        "AAPL",
        "Apple Inc.",
        "Technology",
        "Consumer Electronics",
        "NASDAQ",
        "US",
        "1980-12-12",
        130.0,
        15500.0,
        95000.0,
    ),
    Company(
        "MSFT",
        "Microsoft Corporation",
        "Technology",
        "Software - Infrastructure",
        "NASDAQ",
        "US",
        "1986-03-13",
        240.0,
        7430.0,
        52000.0,
    ),
    Company(
        "NVDA",
        "NVIDIA Corporation",
        "Technology",
        "Semiconductors",
        "NASDAQ",
        "US",
        "1999-01-22",
        150.0,
        2460.0,
        6000.0,
    ),
    Company(
        "GOOGL",
        "Alphabet Inc.",
        "Communication Services",
        "Internet Content & Information",
        "NASDAQ",
        "US",
        "2004-08-19",
        90.0,
        12600.0,
        70000.0,
    ),
    Company(
        "META",
        "Meta Platforms, Inc.",
        "Communication Services",
        "Internet Content & Information",
        "NASDAQ",
        "US",
        "2012-05-18",
        125.0,
        2580.0,
        29000.0,
    ),
    Company(
        "JNJ",
        "Johnson & Johnson",
        "Healthcare",
        "Drug Manufacturers - General",
        "NYSE",
        "US",
        "1944-09-25",
        175.0,
        2600.0,
        24000.0,
    ),
    Company(
        "PFE",
        "Pfizer Inc.",
        "Healthcare",
        "Drug Manufacturers - General",
        "NYSE",
        "US",
        "1942-06-22",
        50.0,
        5640.0,
        18000.0,
    ),
    Company(
        "UNH",
        "UnitedHealth Group Incorporated",
        "Healthcare",
        "Healthcare Plans",
        "NYSE",
        "US",
        "1984-10-17",
        500.0,
        930.0,
        90000.0,
    ),
    Company(
        "JPM",
        "JPMorgan Chase & Co.",
        "Financial Services",
        "Banks - Diversified",
        "NYSE",
        "US",
        "1980-03-17",
        135.0,
        2930.0,
        35000.0,
    ),
    Company(
        "BAC",
        "Bank of America Corporation",
        "Financial Services",
        "Banks - Diversified",
        "NYSE",
        "US",
        "1973-01-01",
        33.0,
        7990.0,
        24000.0,
    ),
    Company(
        "GS",
        "The Goldman Sachs Group, Inc.",
        "Financial Services",
        "Capital Markets",
        "NYSE",
        "US",
        "1999-05-04",
        340.0,
        335.0,
        11000.0,
    ),
    Company(
        "XOM",
        "Exxon Mobil Corporation",
        "Energy",
        "Oil & Gas Integrated",
        "NYSE",
        "US",
        "1978-01-13",
        110.0,
        4000.0,
        85000.0,
    ),
    Company(
        "CVX",
        "Chevron Corporation",
        "Energy",
        "Oil & Gas Integrated",
        "NYSE",
        "US",
        "1921-06-24",
        175.0,
        1900.0,
        55000.0,
    ),
)

SYMBOLS: tuple[str, ...] = tuple(c.symbol for c in COMPANIES)
SECTORS: tuple[str, ...] = tuple(sorted({c.sector for c in COMPANIES}))

# The trading calendar the dataset covers: weekdays minus a few fixed market holidays.
FIRST_DAY = date(2023, 1, 2)
LAST_DAY = date(2026, 12, 31)
# Fiscal years with full income statements (4 quarters + FY each).
FISCAL_YEARS: tuple[int, ...] = (2023, 2024, 2025)

_HOLIDAYS = {(1, 1), (7, 4), (12, 25)}


def _seed(*parts: object) -> int:
    """A seed that is stable across processes (unlike hash())."""
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def trading_days(start: date = FIRST_DAY, end: date = LAST_DAY) -> list[date]:
    """Weekdays that are not fixed holidays, inclusive of both ends."""
    days: list[date] = []
    day = max(start, FIRST_DAY)
    last = min(end, LAST_DAY)
    while day <= last:
        if day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def company(symbol: str) -> Company | None:
    for c in COMPANIES:
        if c.symbol == symbol:
            return c
    return None


@cache
def _price_history(symbol: str) -> tuple[Record, ...]:
    """Oldest-first daily EOD bars: a seeded geometric random walk."""
    comp = company(symbol)
    if comp is None:
        return ()
    rng = random.Random(_seed("prices", symbol))  # noqa: S311 - synthetic data, not crypto
    close = comp.base_price
    out: list[Record] = []
    for day in trading_days():
        prev = close
        drift = rng.gauss(0.0004, 0.018)
        open_ = round(prev * (1 + rng.gauss(0, 0.004)), 2)
        close = round(max(1.0, prev * (1 + drift)), 2)
        high = round(max(open_, close) * (1 + abs(rng.gauss(0, 0.006))), 2)
        low = round(min(open_, close) * (1 - abs(rng.gauss(0, 0.006))), 2)
        volume = int(comp.shares_millions * 1e6 * rng.uniform(0.002, 0.012))
        change = round(close - open_, 2)
        out.append(
            {
                "symbol": symbol,
                "date": day.isoformat(),
                "open": open_,
                "high": high,
                "low": low,
                "close": close,
                "volume": volume,
                "change": change,
                "changePercent": round(change / open_ * 100, 5),
                "vwap": round((open_ + high + low + close) / 4, 4),
            }
        )
    return tuple(out)


def prices(symbol: str, start: date | None, end: date | None) -> list[Record]:
    """EOD bars for start..end inclusive, newest first (as FMP returns them)."""
    lo = (start or FIRST_DAY).isoformat()
    hi = (end or LAST_DAY).isoformat()
    rows = [dict(r) for r in _price_history(symbol) if lo <= r["date"] <= hi]
    rows.reverse()
    return rows


def profile(symbol: str) -> list[Record]:
    """The FMP profile list (one element) for a known symbol, else []."""
    comp = company(symbol)
    if comp is None:
        return []
    history = _price_history(symbol)
    last = history[-1]
    rng = random.Random(_seed("profile", symbol))  # noqa: S311 - synthetic data, not crypto
    price = float(last["close"])
    return [
        {
            "symbol": symbol,
            "price": price,
            "marketCap": int(price * comp.shares_millions * 1e6),
            "beta": round(rng.uniform(0.5, 1.8), 3),
            "lastDividend": round(rng.uniform(0, 4), 2),
            "range": f"{min(r['low'] for r in history[-252:])}-"
            f"{max(r['high'] for r in history[-252:])}",
            "change": last["change"],
            "changePercentage": last["changePercent"],
            "volume": last["volume"],
            "averageVolume": int(sum(r["volume"] for r in history[-60:]) / 60),
            "companyName": comp.name,
            "currency": "USD",
            "cik": f"{_seed('cik', symbol) % 10**10:010d}",
            "isin": f"US{_seed('isin', symbol) % 10**10:010d}",
            "cusip": f"{_seed('cusip', symbol) % 10**9:09d}",
            "exchangeFullName": "NASDAQ Global Select"
            if comp.exchange == "NASDAQ"
            else "New York Stock Exchange",
            "exchange": comp.exchange,
            "industry": comp.industry,
            "website": f"https://www.{symbol.lower()}.example.com",
            "description": f"{comp.name}: synthetic profile for local development.",
            "ceo": "Synthetic CEO",
            "sector": comp.sector,
            "country": comp.country,
            "fullTimeEmployees": str(int(rng.uniform(10_000, 300_000))),
            "phone": "000-000-0000",
            "address": "1 Example Way",
            "city": "Example City",
            "state": "CA",
            "zip": "00000",
            "image": f"https://images.example.com/{symbol}.png",
            "ipoDate": comp.ipo_date,
            "defaultImage": False,
            "isEtf": comp.is_etf,
            "isActivelyTrading": True,
            "isAdr": False,
            "isFund": False,
        }
    ]


_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def _statement(
    comp: Company, fiscal_year: int, period: str, end: date, scale: float, rng: random.Random
) -> Record:
    revenue = int(comp.base_revenue_millions * 1e6 * scale)
    cost = int(revenue * rng.uniform(0.35, 0.65))
    rnd = int(revenue * rng.uniform(0.02, 0.15))
    sga = int(revenue * rng.uniform(0.05, 0.12))
    interest = int(revenue * rng.uniform(0.0, 0.02))
    pretax = revenue - cost - rnd - sga - interest
    tax = int(max(0, pretax) * 0.21)
    shares = int(comp.shares_millions * 1e6)
    return _income_record(
        comp, fiscal_year, period, end, revenue, cost, rnd, sga, interest, tax, shares
    )


def _income_record(
    comp: Company,
    fiscal_year: int,
    period: str,
    end: date,
    revenue: int,
    cost: int,
    rnd: int,
    sga: int,
    interest: int,
    tax: int,
    shares: int,
) -> Record:
    gross = revenue - cost
    opex = rnd + sga
    operating = gross - opex
    pretax = operating - interest
    net = pretax - tax
    filing = end + timedelta(days=35 if period != "FY" else 60)
    return {
        "date": end.isoformat(),
        "symbol": comp.symbol,
        "reportedCurrency": "USD",
        "cik": f"{_seed('cik', comp.symbol) % 10**10:010d}",
        "filingDate": filing.isoformat(),
        "acceptedDate": f"{filing.isoformat()} 16:30:00",
        "fiscalYear": str(fiscal_year),
        "period": period,
        "revenue": revenue,
        "costOfRevenue": cost,
        "grossProfit": gross,
        "researchAndDevelopmentExpenses": rnd,
        "sellingGeneralAndAdministrativeExpenses": sga,
        "operatingExpenses": opex,
        "operatingIncome": operating,
        "interestExpense": interest,
        "incomeBeforeTax": pretax,
        "incomeTaxExpense": tax,
        "netIncome": net,
        "ebitda": operating + int(revenue * 0.04),
        "eps": round(net / shares, 2),
        "epsDiluted": round(net / (shares * 1.01), 2),
        "weightedAverageShsOut": shares,
        "weightedAverageShsOutDil": int(shares * 1.01),
    }


@cache
def _income_history(symbol: str) -> tuple[tuple[Record, ...], tuple[Record, ...]]:
    """(quarterly, annual) statements oldest first; FY figures are the sums of the quarters."""
    comp = company(symbol)
    if comp is None:
        return (), ()
    rng = random.Random(_seed("income", symbol))  # noqa: S311 - synthetic data, not crypto
    quarters: list[Record] = []
    annual: list[Record] = []
    scale = 1.0
    for year in FISCAL_YEARS:
        year_q: list[Record] = []
        for q in (1, 2, 3, 4):
            scale *= 1 + rng.gauss(0.02, 0.03)
            month, day = _QUARTER_END[q]
            year_q.append(_statement(comp, year, f"Q{q}", date(year, month, day), scale, rng))
        quarters.extend(year_q)

        def total(key: str, rows: list[Record] = year_q) -> int:
            return int(sum(r[key] for r in rows))

        annual.append(
            _income_record(
                comp,
                year,
                "FY",
                date(year, 12, 31),
                total("revenue"),
                total("costOfRevenue"),
                total("researchAndDevelopmentExpenses"),
                total("sellingGeneralAndAdministrativeExpenses"),
                total("interestExpense"),
                total("incomeTaxExpense"),
                int(comp.shares_millions * 1e6),
            )
        )
    return tuple(quarters), tuple(annual)


def income(symbol: str, period: str, limit: int | None) -> list[Record]:
    """Income statements newest first; period 'annual'/'FY' or 'quarter'/'Q1'..'Q4'."""
    quarters, annual = _income_history(symbol)
    norm = period.lower()
    if norm in ("annual", "fy"):
        rows = list(annual)
    elif norm == "quarter":
        rows = list(quarters)
    elif norm in ("q1", "q2", "q3", "q4"):
        rows = [r for r in quarters if r["period"] == period.upper()]
    else:
        return []
    rows = [dict(r) for r in reversed(rows)]
    return rows[:limit] if limit is not None and limit >= 0 else rows


def quote(symbol: str) -> list[Record]:
    """A minimal /stable/quote answer built from the last bar."""
    history = _price_history(symbol)
    if not history:
        return []
    last = history[-1]
    return [
        {
            "symbol": symbol,
            "name": comp.name if (comp := company(symbol)) else symbol,
            "price": last["close"],
            "changePercentage": last["changePercent"],
            "change": last["change"],
            "volume": last["volume"],
            "open": last["open"],
            "dayHigh": last["high"],
            "dayLow": last["low"],
            "timestamp": 0,
        }
    ]
