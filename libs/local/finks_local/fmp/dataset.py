"""Deterministic synthetic FMP records for any date, computed on demand.

Why random access: the server must answer for any as-of date (no last day) and a 10-year
backfill of 500 symbols must be cheap. Each bar depends only on (symbol, day): a smooth
trend and two cycles, plus a Brownian bridge per (symbol, calendar year) that starts and
ends at zero (so years join up), plus per-day noise for open/high/low/volume. Asking for a
range therefore never computes anything outside it, and the same bar is byte-identical in
every response. Field names follow FMP's `/stable/` responses.

Late corrections: with ``revision_rate`` r, a share r of (symbol, day) bars is served
*preliminary* (close 2 % off) while the server's as-of date is less than
``REVISION_LAG_DAYS`` after that day (i.e. on its own day), and final afterwards, as real
vendors revise fresh bars. Income statements exist once filed: quarter end + 35 days,
fiscal year end + 60 days.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

from finks_local.fmp.trading import HISTORY_START, is_trading_day, last_trading_day, trading_days
from finks_local.fmp.universe import Company, company, seed

Record = dict[str, Any]

EPOCH = date(2023, 1, 2)  # base_price is the close around this day
REVISION_LAG_DAYS = 1
PRELIMINARY_FACTOR = 1.02
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_QUARTER_FILING_DAYS = 35
_ANNUAL_FILING_DAYS = 60


@dataclass(frozen=True)
class _PriceModel:
    log_base: float
    mu: float  # yearly drift of the log price
    cycles: tuple[tuple[float, float, float], ...]  # (amplitude, period in years, phase)
    sigma: float  # daily volatility of the bridge


@cache
def _model(symbol: str) -> _PriceModel | None:
    comp = company(symbol)
    if comp is None:
        return None
    rng = random.Random(seed("price-model", comp.symbol))  # noqa: S311 - synthetic data
    return _PriceModel(
        log_base=math.log(comp.base_price),
        mu=rng.uniform(-0.03, 0.15),
        cycles=(
            (rng.uniform(0.05, 0.25), rng.uniform(2.0, 7.0), rng.uniform(0, 2 * math.pi)),
            (rng.uniform(0.02, 0.08), rng.uniform(0.15, 0.6), rng.uniform(0, 2 * math.pi)),
        ),
        sigma=rng.uniform(0.009, 0.02),
    )


@lru_cache(maxsize=8192)
def _year_noise(symbol: str, year: int, sigma: float) -> tuple[tuple[float, ...], ...]:
    """Per calendar day of ``year``: (bridge, open, high, low, volume, revision) draws.

    One Gaussian per day drives the close (the bridge); the intraday spreads only need to
    be plausible, so they are cheap uniform draws (a 10-year history stays ~20 ms).
    """
    rng = random.Random(seed("price-noise", symbol, year))  # noqa: S311 - synthetic data
    draw, gauss = rng.random, rng.gauss
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    walk = [0.0]
    for _ in range(days):
        walk.append(walk[-1] + gauss(0.0, sigma))
    end = walk[-1]
    return tuple(
        (
            walk[k] - k / days * end,
            (draw() - 0.5) * 0.016,
            draw() * 0.012,
            draw() * 0.012,
            0.002 + draw() * 0.01,
            draw(),
        )
        for k in range(days)
    )


def first_trading_day(comp: Company) -> date:
    """The first day with a bar: the IPO date or the fake market's history start."""
    day = max(comp.ipo_date, HISTORY_START)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def _noise(comp: Company, model: _PriceModel, day: date) -> tuple[float, ...]:
    index = day.toordinal() - date(day.year, 1, 1).toordinal()
    return _year_noise(comp.symbol, day.year, model.sigma)[index]


def _bar(comp: Company, model: _PriceModel, day: date, preliminary: bool) -> Record:
    """The EOD bar of ``comp`` on ``day`` (its close 2 % off while ``preliminary``)."""
    bridge, open_eps, high_eps, low_eps, volume_share, _ = _noise(comp, model, day)
    t = (day - EPOCH).days / 365.25
    log_close = model.log_base + model.mu * t + bridge
    for amplitude, period, phase in model.cycles:
        log_close += amplitude * (math.sin(2 * math.pi * t / period + phase) - math.sin(phase))
    close = max(0.5, math.exp(log_close))
    open_ = close * math.exp(open_eps)
    if preliminary:
        close *= PRELIMINARY_FACTOR
    close, open_ = round(close, 2), round(open_, 2)
    high = round(max(open_, close) * (1 + high_eps), 2)
    low = round(max(0.01, min(open_, close) * (1 - low_eps)), 2)
    change = round(close - open_, 2)
    return {
        "symbol": comp.symbol,
        "date": day.isoformat(),
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": int(comp.shares_millions * 1e6 * volume_share),
        "change": change,
        "changePercent": round(change / open_ * 100, 5),
        "vwap": round((open_ + high + low + close) / 4, 4),
    }


def prices(
    symbol: str,
    start: date | None,
    end: date | None,
    *,
    as_of: date,
    revision_rate: float = 0.0,
) -> list[Record]:
    """EOD bars for ``start..end`` (capped at ``as_of``), newest first, as FMP returns them."""
    comp, model = company(symbol), _model(symbol)
    if comp is None or model is None:
        return []
    first = first_trading_day(comp)
    lo = max(start or first, first)
    hi = min(end or as_of, as_of)
    fresh = as_of - timedelta(days=REVISION_LAG_DAYS - 1)
    return [
        _bar(comp, model, day, day >= fresh and _noise(comp, model, day)[5] < revision_rate)
        for day in reversed(trading_days(lo, hi))
    ]


def _latest_bar(comp: Company, as_of: date, revision_rate: float) -> Record | None:
    if as_of < first_trading_day(comp):
        return None
    day = last_trading_day(as_of)
    return prices(comp.symbol, day, day, as_of=as_of, revision_rate=revision_rate)[0]


def profile(symbol: str, *, as_of: date, revision_rate: float = 0.0) -> list[Record]:
    """The FMP profile list (one element) of a listed company as of ``as_of``, else []."""
    comp = company(symbol)
    last = _latest_bar(comp, as_of, revision_rate) if comp else None
    if comp is None or last is None:
        return []
    year = prices(comp.symbol, as_of - timedelta(days=365), as_of, as_of=as_of)
    rng = random.Random(seed("profile", comp.symbol))  # noqa: S311 - synthetic data
    price = float(last["close"])
    return [
        {
            "symbol": comp.symbol,
            "price": price,
            "marketCap": int(price * comp.shares_millions * 1e6),
            "beta": round(rng.uniform(0.5, 1.8), 3),
            "lastDividend": round(rng.uniform(0, 4), 2),
            "range": f"{min(r['low'] for r in year)}-{max(r['high'] for r in year)}",
            "change": last["change"],
            "changePercentage": last["changePercent"],
            "volume": last["volume"],
            "averageVolume": int(sum(r["volume"] for r in year[:60]) / len(year[:60])),
            "companyName": comp.name,
            "currency": "USD",
            "cik": f"{seed('cik', comp.symbol) % 10**10:010d}",
            "isin": f"US{seed('isin', comp.symbol) % 10**10:010d}",
            "cusip": f"{seed('cusip', comp.symbol) % 10**9:09d}",
            "exchangeFullName": "NASDAQ Global Select"
            if comp.exchange == "NASDAQ"
            else "New York Stock Exchange",
            "exchange": comp.exchange,
            "industry": comp.industry,
            "website": f"https://www.{comp.symbol.lower()}.example.com",
            "description": f"{comp.name}: synthetic profile for local development.",
            "ceo": "Synthetic CEO",
            "sector": comp.sector,
            "country": comp.country,
            "fullTimeEmployees": str(int(rng.uniform(1_000, 300_000))),
            "phone": "000-000-0000",
            "address": "1 Example Way",
            "city": "Example City",
            "state": "CA",
            "zip": "00000",
            "image": f"https://images.example.com/{comp.symbol}.png",
            "ipoDate": comp.ipo_date.isoformat(),
            "defaultImage": False,
            "isEtf": comp.is_etf,
            "isActivelyTrading": True,
            "isAdr": False,
            "isFund": False,
        }
    ]


def _income_record(
    comp: Company, fiscal_year: int, period: str, end: date, parts: dict[str, int]
) -> Record:
    revenue, cost = parts["revenue"], parts["cost"]
    rnd, sga, interest, tax = parts["rnd"], parts["sga"], parts["interest"], parts["tax"]
    shares = int(comp.shares_millions * 1e6)
    gross = revenue - cost
    operating = gross - rnd - sga
    pretax = operating - interest
    net = pretax - tax
    filing = end + timedelta(days=_ANNUAL_FILING_DAYS if period == "FY" else _QUARTER_FILING_DAYS)
    return {
        "date": end.isoformat(),
        "symbol": comp.symbol,
        "reportedCurrency": "USD",
        "cik": f"{seed('cik', comp.symbol) % 10**10:010d}",
        "filingDate": filing.isoformat(),
        "acceptedDate": f"{filing.isoformat()} 16:30:00",
        "fiscalYear": str(fiscal_year),
        "period": period,
        "revenue": revenue,
        "costOfRevenue": cost,
        "grossProfit": gross,
        "researchAndDevelopmentExpenses": rnd,
        "sellingGeneralAndAdministrativeExpenses": sga,
        "operatingExpenses": rnd + sga,
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


@lru_cache(maxsize=4096)
def _fiscal_year(symbol: str, fiscal_year: int) -> tuple[Record, ...]:
    """Q1..Q4 then FY of one fiscal year; FY figures are the sums of the quarters."""
    comp = company(symbol)
    assert comp is not None
    rng = random.Random(seed("income", comp.symbol, fiscal_year))  # noqa: S311 - synthetic
    growth = random.Random(seed("growth", comp.symbol)).uniform(-0.02, 0.12)  # noqa: S311
    quarters: list[Record] = []
    totals = dict.fromkeys(("revenue", "cost", "rnd", "sga", "interest", "tax"), 0)
    for q in (1, 2, 3, 4):
        years = fiscal_year - EPOCH.year + (q - 1) / 4
        revenue = int(
            comp.base_revenue_millions * 1e6 * math.exp(growth * years) * rng.gauss(1.0, 0.03)
        )
        cost = int(revenue * rng.uniform(0.35, 0.65))
        rnd = int(revenue * rng.uniform(0.02, 0.15))
        sga = int(revenue * rng.uniform(0.05, 0.12))
        interest = int(revenue * rng.uniform(0.0, 0.02))
        tax = int(max(0, revenue - cost - rnd - sga - interest) * 0.21)
        parts = {"revenue": revenue, "cost": cost, "rnd": rnd, "sga": sga}
        parts |= {"interest": interest, "tax": tax}
        for key, value in parts.items():
            totals[key] += value
        end = date(fiscal_year, *_QUARTER_END[q])
        quarters.append(_income_record(comp, fiscal_year, f"Q{q}", end, parts))
    annual = _income_record(comp, fiscal_year, "FY", date(fiscal_year, 12, 31), totals)
    return (*quarters, annual)


def income(symbol: str, period: str, limit: int | None, *, as_of: date) -> list[Record]:
    """Statements filed by ``as_of``, newest first; period annual/FY, quarter, or Q1..Q4."""
    comp = company(symbol)
    norm = period.lower()
    if comp is None or norm not in ("annual", "fy", "quarter", "q1", "q2", "q3", "q4"):
        return []
    wanted = {"annual": "FY", "fy": "FY"}.get(norm)
    first_year = max(comp.ipo_date, HISTORY_START).year
    rows: list[Record] = []
    for year in range(as_of.year, first_year - 1, -1):
        for record in reversed(_fiscal_year(comp.symbol, year)):
            kind = record["period"]
            if wanted == "FY" and kind != "FY":
                continue
            if norm == "quarter" and kind == "FY":
                continue
            if norm.startswith("q") and norm != "quarter" and kind != norm.upper():
                continue
            if record["filingDate"] <= as_of.isoformat():
                rows.append(dict(record))
                if limit is not None and len(rows) >= limit:
                    return rows
    return rows


def quote(symbol: str, *, as_of: date) -> list[Record]:
    """A minimal /stable/quote answer from the last bar on or before ``as_of``."""
    comp = company(symbol)
    last = _latest_bar(comp, as_of, 0.0) if comp else None
    if comp is None or last is None:
        return []
    return [
        {
            "symbol": comp.symbol,
            "name": comp.name,
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
