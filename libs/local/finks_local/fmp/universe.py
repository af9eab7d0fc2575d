"""The fake FMP's universe: 520 companies, the first 13 named, the rest generated.

Why generated: a benchmark of 500 symbols needs 500 companies, and a committed table of
made-up companies is noise. Every generated attribute comes from a fixed seed, so the
universe is identical on every machine and in every release; the named companies keep
their tickers, names, sectors and scale (tests and the local stack use them).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

UNIVERSE_SIZE = 520


@dataclass(frozen=True)
class Company:
    symbol: str
    name: str
    sector: str
    industry: str
    exchange: str
    country: str
    ipo_date: date
    base_price: float  # close around 2023-01-02
    shares_millions: float
    base_revenue_millions: float  # quarterly revenue in 2023
    is_etf: bool = False


def seed(*parts: object) -> int:
    """A seed that is stable across processes and Python versions (unlike hash())."""
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def _named(
    symbol: str,
    name: str,
    sector: str,
    industry: str,
    exchange: str,
    ipo: str,
    price: float,
    shares: float,
    revenue: float,
) -> Company:
    ipo_date = date.fromisoformat(ipo)
    return Company(symbol, name, sector, industry, exchange, "US", ipo_date, price, shares, revenue)


NAMED: tuple[Company, ...] = (
    _named(
        "AAPL",
        "Apple Inc.",
        "Technology",
        "Consumer Electronics",
        "NASDAQ",
        "1980-12-12",
        130.0,
        15500.0,
        95000.0,
    ),
    _named(
        "MSFT",
        "Microsoft Corporation",
        "Technology",
        "Software - Infrastructure",
        "NASDAQ",
        "1986-03-13",
        240.0,
        7430.0,
        52000.0,
    ),
    _named(
        "NVDA",
        "NVIDIA Corporation",
        "Technology",
        "Semiconductors",
        "NASDAQ",
        "1999-01-22",
        150.0,
        2460.0,
        6000.0,
    ),
    _named(
        "GOOGL",
        "Alphabet Inc.",
        "Communication Services",
        "Internet Content & Information",
        "NASDAQ",
        "2004-08-19",
        90.0,
        12600.0,
        70000.0,
    ),
    _named(
        "META",
        "Meta Platforms, Inc.",
        "Communication Services",
        "Internet Content & Information",
        "NASDAQ",
        "2012-05-18",
        125.0,
        2580.0,
        29000.0,
    ),
    _named(
        "JNJ",
        "Johnson & Johnson",
        "Healthcare",
        "Drug Manufacturers - General",
        "NYSE",
        "1944-09-25",
        175.0,
        2600.0,
        24000.0,
    ),
    _named(
        "PFE",
        "Pfizer Inc.",
        "Healthcare",
        "Drug Manufacturers - General",
        "NYSE",
        "1942-06-22",
        50.0,
        5640.0,
        18000.0,
    ),
    _named(
        "UNH",
        "UnitedHealth Group Incorporated",
        "Healthcare",
        "Healthcare Plans",
        "NYSE",
        "1984-10-17",
        500.0,
        930.0,
        90000.0,
    ),
    _named(
        "JPM",
        "JPMorgan Chase & Co.",
        "Financial Services",
        "Banks - Diversified",
        "NYSE",
        "1980-03-17",
        135.0,
        2930.0,
        35000.0,
    ),
    _named(
        "BAC",
        "Bank of America Corporation",
        "Financial Services",
        "Banks - Diversified",
        "NYSE",
        "1973-01-01",
        33.0,
        7990.0,
        24000.0,
    ),
    _named(
        "GS",
        "The Goldman Sachs Group, Inc.",
        "Financial Services",
        "Capital Markets",
        "NYSE",
        "1999-05-04",
        340.0,
        335.0,
        11000.0,
    ),
    _named(
        "XOM",
        "Exxon Mobil Corporation",
        "Energy",
        "Oil & Gas Integrated",
        "NYSE",
        "1978-01-13",
        110.0,
        4000.0,
        85000.0,
    ),
    _named(
        "CVX",
        "Chevron Corporation",
        "Energy",
        "Oil & Gas Integrated",
        "NYSE",
        "1921-06-24",
        175.0,
        1900.0,
        55000.0,
    ),
)

# FMP's sector names, each with a few of its industries.
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Technology": ("Software - Application", "Semiconductors", "Information Technology Services"),
    "Healthcare": ("Medical Devices", "Biotechnology", "Drug Manufacturers - Specialty & Generic"),
    "Financial Services": ("Banks - Regional", "Asset Management", "Insurance - Diversified"),
    "Energy": ("Oil & Gas E&P", "Oil & Gas Midstream", "Uranium"),
    "Communication Services": ("Telecom Services", "Entertainment", "Advertising Agencies"),
    "Consumer Cyclical": ("Specialty Retail", "Auto Parts", "Restaurants"),
    "Consumer Defensive": ("Packaged Foods", "Beverages - Non-Alcoholic", "Household Products"),
    "Industrials": ("Aerospace & Defense", "Specialty Machinery", "Railroads"),
    "Basic Materials": ("Chemicals", "Steel", "Gold"),
    "Real Estate": ("REIT - Industrial", "REIT - Residential", "Real Estate Services"),
    "Utilities": (
        "Utilities - Regulated Electric",
        "Utilities - Renewable",
        "Utilities - Regulated Water",
    ),
}

_NAME_START = (
    "North",
    "Blue",
    "Silver",
    "Red",
    "Iron",
    "Clear",
    "Bright",
    "Stone",
    "Summit",
    "Harbor",
    "Pine",
    "Eagle",
    "Atlas",
    "Nova",
    "Prime",
    "Vista",
    "Cedar",
    "Granite",
    "Meridian",
    "Orion",
)
_NAME_END = (
    "wind",
    "crest",
    "field",
    "bridge",
    "point",
    "gate",
    "ridge",
    "works",
    "line",
    "stone",
    "wave",
    "path",
    "peak",
    "core",
    "light",
    "brook",
    "forge",
    "haven",
    "spring",
    "view",
)
_NAME_FORM = ("Inc.", "Corporation", "Holdings, Inc.", "Group plc", "Co.", "Technologies Inc.")
_EARLIEST_GENERATED_IPO = date(1982, 1, 4)
_LATEST_GENERATED_IPO = date(2014, 12, 31)


def _ticker(rng: random.Random) -> str:
    length = rng.choice((3, 3, 4, 4, 4))
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(length))


def _generated(count: int, taken: set[str]) -> list[Company]:
    """``count`` companies from one seeded generator, tickers unique and not ``taken``."""
    rng = random.Random(seed("finks-fmp-universe", 1))  # noqa: S311 - synthetic data, not crypto
    sectors = sorted(INDUSTRIES)
    span = (_LATEST_GENERATED_IPO - _EARLIEST_GENERATED_IPO).days
    out: list[Company] = []
    while len(out) < count:
        symbol = _ticker(rng)
        if symbol in taken:
            continue
        taken.add(symbol)
        sector = sectors[len(out) % len(sectors)]
        name = f"{rng.choice(_NAME_START)}{rng.choice(_NAME_END)} {rng.choice(_NAME_FORM)}"
        price = round(rng.lognormvariate(3.8, 0.8), 2)
        shares = round(rng.lognormvariate(5.5, 1.0), 1)
        out.append(
            Company(
                symbol=symbol,
                name=name,
                sector=sector,
                industry=rng.choice(INDUSTRIES[sector]),
                exchange=rng.choice(("NYSE", "NASDAQ")),
                country="US",
                ipo_date=_EARLIEST_GENERATED_IPO + timedelta(days=rng.randrange(span)),
                base_price=price,
                shares_millions=shares,
                # Quarterly revenue of 1-4% of the market value: a plausible scale.
                base_revenue_millions=round(price * shares * rng.uniform(0.01, 0.04), 1),
            )
        )
    return out


UNIVERSE: tuple[Company, ...] = (
    *NAMED,
    *_generated(UNIVERSE_SIZE - len(NAMED), {c.symbol for c in NAMED}),
)
SYMBOLS: tuple[str, ...] = tuple(c.symbol for c in UNIVERSE)
SECTORS: tuple[str, ...] = tuple(sorted({c.sector for c in UNIVERSE}))
_BY_SYMBOL = {c.symbol: c for c in UNIVERSE}


def company(symbol: str) -> Company | None:
    """The company listed as ``symbol`` (case-insensitive), or None: FMP answers ``[]``."""
    return _BY_SYMBOL.get(symbol.upper())
