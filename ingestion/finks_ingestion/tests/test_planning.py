"""The watermark rules, as pure functions: what one (dataset, symbol) fetches on a day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from finks_ingestion.planning import plan_job, validate_arguments
from finks_ingestion.settings import IngestionSettings
from finks_ingestion.watermarks import Watermark

DAY = date(2026, 12, 1)
SETTINGS = IngestionSettings.model_validate(
    {
        "fmp_base_url": "http://h",
        "ingest_backfill_days": 400,
        "ingest_overlap_days": 3,
        "fmp_income_annual_limit": 3,
        "fmp_income_quarter_limit": 8,
        "fmp_income_refresh_limit": 2,
    }
)


def mark(dataset: str, through: date, first: date = date(2025, 1, 1)) -> Watermark:
    return Watermark(dataset, "AAPL", first, through, through, "fmp/x.json")


def prices_window(m: Watermark | None, **kw: object) -> tuple[str, str] | None:
    job = plan_job("prices", "AAPL", m, as_of=DAY, settings=SETTINGS, **kw)  # type: ignore[arg-type]
    if job is None:
        return None
    params = job.requests[0].param_dict
    return params["from"], params["to"]


def test_a_new_symbol_backfills_its_history_once() -> None:
    assert prices_window(None) == ((DAY - timedelta(days=400)).isoformat(), DAY.isoformat())


def test_a_known_symbol_fetches_after_its_watermark_minus_the_overlap() -> None:
    assert prices_window(mark("prices", DAY - timedelta(days=1))) == ("2026-11-28", "2026-12-01")
    assert prices_window(mark("prices", DAY - timedelta(days=30))) == ("2026-10-30", "2026-12-01")


def test_a_pair_holding_the_as_of_date_fetches_nothing() -> None:
    assert prices_window(mark("prices", DAY)) is None
    assert prices_window(mark("prices", DAY + timedelta(days=5))) is None
    for dataset in ("profiles", "income"):
        assert plan_job(dataset, "AAPL", mark(dataset, DAY), as_of=DAY, settings=SETTINGS) is None


def test_backfill_reaches_back_and_full_refresh_ignores_the_watermark() -> None:
    current = mark("prices", DAY)
    assert prices_window(current, backfill_from=date(2020, 3, 2)) == ("2020-03-02", "2026-12-01")
    # A backfill date after the incremental start never opens a gap.
    late = mark("prices", DAY - timedelta(days=10))
    assert prices_window(late, backfill_from=date(2026, 11, 30)) == ("2026-11-19", "2026-12-01")
    assert prices_window(current, full_refresh=True) == ("2025-10-27", "2026-12-01")


def test_income_backfills_full_limits_then_refreshes_the_newest() -> None:
    def limits(m: Watermark | None, **kw: object) -> list[tuple[str, str]]:
        job = plan_job("income", "AAPL", m, as_of=DAY, settings=SETTINGS, **kw)  # type: ignore[arg-type]
        assert job is not None
        return [(r.param_dict["period"], r.param_dict["limit"]) for r in job.requests]

    assert limits(None) == [("annual", "3"), ("quarter", "8")]
    assert limits(mark("income", DAY - timedelta(days=1))) == [("annual", "2"), ("quarter", "2")]
    assert limits(mark("income", DAY), backfill_from=date(2020, 1, 1)) == [
        ("annual", "3"),
        ("quarter", "8"),
    ]


def test_arguments_are_validated_with_the_bad_one_named() -> None:
    assert validate_arguments([" aapl", "MSFT", "aapl"], None, as_of=DAY) == (
        ["AAPL", "MSFT"],
        ["prices", "profiles", "income"],
    )
    with pytest.raises(ValueError, match="^symbols: the symbol list is empty"):
        validate_arguments([" ", ""], None, as_of=DAY)
    with pytest.raises(ValueError, match="^datasets: unknown dataset"):
        validate_arguments(["AAPL"], ["prices", "bogus"], as_of=DAY)
    with pytest.raises(ValueError, match="^backfill: 2026-12-02 is after the as-of date"):
        validate_arguments(["AAPL"], None, as_of=DAY, backfill_from=DAY + timedelta(days=1))
