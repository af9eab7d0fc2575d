"""The synthetic universe and its records: size, identities, determinism, any date, as-of."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date, timedelta

from finks_local.fmp import NAMED, SECTORS, SYMBOLS, UNIVERSE, dataset, is_trading_day
from finks_local.fmp.dataset import REVISION_LAG_DAYS

AS_OF = date(2026, 12, 1)


def _digest() -> str:
    rows = "\n".join(f"{c.symbol}|{c.name}|{c.sector}|{c.ipo_date}" for c in UNIVERSE)
    return hashlib.sha256(rows.encode()).hexdigest()


def test_universe_has_500_plus_symbols_and_keeps_the_named_companies() -> None:
    assert len(UNIVERSE) >= 500 and len(set(SYMBOLS)) == len(SYMBOLS)
    assert SYMBOLS[:13] == (
        "AAPL", "MSFT", "NVDA", "GOOGL", "META", "JNJ", "PFE",
        "UNH", "JPM", "BAC", "GS", "XOM", "CVX",
    )  # fmt: skip
    apple = dataset.profile("AAPL", as_of=AS_OF)[0]
    assert (apple["companyName"], apple["sector"]) == ("Apple Inc.", "Technology")
    assert dataset.profile("XOM", as_of=AS_OF)[0]["sector"] == "Energy"
    assert len(SECTORS) == 11
    assert {c.sector for c in NAMED} < set(SECTORS)
    assert all(s.isalpha() and s.isupper() for s in SYMBOLS)


def test_universe_is_the_same_in_every_process() -> None:
    """Seeds must not depend on hash() randomisation (PYTHONHASHSEED) or on import order."""
    code = (
        "import hashlib; from finks_local.fmp import UNIVERSE; "
        "rows = '\\n'.join(f'{c.symbol}|{c.name}|{c.sector}|{c.ipo_date}' for c in UNIVERSE); "
        "print(hashlib.sha256(rows.encode()).hexdigest())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(sys.path), "PYTHONHASHSEED": "12345"},
    )
    assert out.stdout.strip() == _digest()


def test_every_date_has_data_and_a_bar_does_not_depend_on_the_range_asked() -> None:
    far = date(2041, 3, 15)  # no last day: any as-of date works
    bars = dataset.prices("NVDA", far - timedelta(days=10), far, as_of=far)
    assert bars and bars[0]["date"] == "2041-03-15"
    assert all(is_trading_day(date.fromisoformat(b["date"])) for b in bars)
    ten_years = dataset.prices("JPM", date(2016, 1, 1), AS_OF, as_of=AS_OF)
    assert len(ten_years) > 2500
    one_week = dataset.prices("JPM", date(2021, 6, 1), date(2021, 6, 7), as_of=AS_OF)
    by_date = {b["date"]: b for b in ten_years}
    assert one_week and all(by_date[b["date"]] == b for b in one_week)
    assert dataset.prices("JPM", date(2021, 6, 1), date(2021, 6, 7), as_of=AS_OF) == one_week


def test_nothing_after_the_as_of_date_exists() -> None:
    as_of = date(2025, 5, 20)
    bars = dataset.prices("MSFT", date(2025, 5, 1), date(2025, 6, 30), as_of=as_of)
    assert bars[0]["date"] == "2025-05-20" and bars[-1]["date"] == "2025-05-01"
    statements = dataset.income("MSFT", "quarter", None, as_of=as_of)
    assert all(s["filingDate"] <= "2025-05-20" for s in statements)
    assert statements[0]["date"] == "2025-03-31"  # filed 35 days after the quarter end
    later = dataset.income("MSFT", "quarter", 1, as_of=date(2025, 8, 5))
    assert later[0]["date"] == "2025-06-30"
    assert dataset.profile("MSFT", as_of=as_of)[0]["price"] == bars[0]["close"]


def test_income_limits_periods_and_fy_is_the_sum_of_its_quarters() -> None:
    quarters = dataset.income("AAPL", "quarter", 8, as_of=AS_OF)
    annual = dataset.income("AAPL", "annual", 3, as_of=AS_OF)
    assert len(quarters) == 8 and len(annual) == 3
    assert [q["period"] for q in quarters[:4]] == ["Q3", "Q2", "Q1", "Q4"]
    assert [a["fiscalYear"] for a in annual] == ["2025", "2024", "2023"]
    q2024 = [
        q for q in dataset.income("AAPL", "quarter", None, as_of=AS_OF) if q["fiscalYear"] == "2024"
    ]
    fy2024 = next(a for a in annual if a["fiscalYear"] == "2024")
    assert len(q2024) == 4 and sum(q["revenue"] for q in q2024) == fy2024["revenue"]
    assert [r["period"] for r in dataset.income("AAPL", "Q2", 2, as_of=AS_OF)] == ["Q2", "Q2"]


def test_unknown_symbols_and_periods_answer_empty_like_fmp() -> None:
    assert dataset.prices("NOPE", None, None, as_of=AS_OF) == []
    assert dataset.profile("NOPE", as_of=AS_OF) == []
    assert dataset.income("NOPE", "annual", 3, as_of=AS_OF) == []
    assert dataset.income("AAPL", "H1", 3, as_of=AS_OF) == []
    assert dataset.quote("NOPE", as_of=AS_OF) == []


def test_revised_bars_are_preliminary_only_while_fresh() -> None:
    day = date(2026, 11, 30)
    fresh = dataset.prices("GS", day, day, as_of=day, revision_rate=1.0)[0]
    final = dataset.prices("GS", day, day, as_of=day + timedelta(days=REVISION_LAG_DAYS))[0]
    also_final = dataset.prices(
        "GS", day, day, as_of=day + timedelta(days=REVISION_LAG_DAYS), revision_rate=1.0
    )[0]
    assert fresh["close"] != final["close"] and also_final == final
    assert dataset.prices("GS", day, day, as_of=day)[0] == final  # rate 0: never revised
    share = dataset.prices("GS", None, day, as_of=day, revision_rate=0.3)
    plain = dataset.prices("GS", None, day, as_of=day)
    assert share[REVISION_LAG_DAYS:] == plain[REVISION_LAG_DAYS:]  # only fresh bars differ
