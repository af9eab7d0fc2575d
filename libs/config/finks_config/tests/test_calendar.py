"""The trading calendar against NYSE's published schedules (owned by PIPES)."""

from __future__ import annotations

from datetime import date

from finks_config.calendar import (
    is_trading_day,
    last_trading_day,
    market_holidays,
    next_trading_day,
    non_trading_weekdays,
    trading_days,
)

# NYSE's published full-day closures (nyse.com/markets/hours-calendars).
NYSE_2025 = [
    "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
    "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
]  # fmt: skip
NYSE_2026 = [
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
    "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
]  # fmt: skip
NYSE_2027 = [
    "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18",
    "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24",
]  # fmt: skip


def test_holidays_match_the_exchange() -> None:
    for year, published in ((2025, NYSE_2025), (2026, NYSE_2026), (2027, NYSE_2027)):
        assert [d.isoformat() for d in market_holidays(year)] == published


def test_weekend_observance() -> None:
    # New Year's Day 2022 was a Saturday: not moved to Friday 2021-12-31.
    assert is_trading_day(date(2021, 12, 31))
    assert next(iter(market_holidays(2022))) == date(2022, 1, 17)  # MLK Day is 2022's first
    # Juneteenth 2022 was a Sunday: observed Monday; none before 2022.
    assert not is_trading_day(date(2022, 6, 20))
    assert is_trading_day(date(2021, 6, 18))


def test_trading_days_per_year() -> None:
    assert len(trading_days(date(2024, 1, 1), date(2024, 12, 31))) == 252
    assert len(trading_days(date(2025, 1, 1), date(2025, 12, 31))) == 250
    assert trading_days(date(2026, 1, 2), date(2026, 1, 1)) == []


def test_last_and_next_trading_day() -> None:
    assert last_trading_day(date(2026, 12, 27)) == date(2026, 12, 24)  # Sun, after Christmas
    assert last_trading_day(date(2026, 11, 27)) == date(2026, 11, 27)  # a trading Friday
    assert last_trading_day(date(2026, 4, 3)) == date(2026, 4, 2)  # Good Friday
    assert next_trading_day(date(2026, 12, 24)) == date(2026, 12, 28)


def test_non_trading_weekdays_are_the_holidays_in_range() -> None:
    assert non_trading_weekdays(date(2026, 11, 1), date(2027, 1, 31)) == [
        date(2026, 11, 26),
        date(2026, 12, 25),
        date(2027, 1, 1),
        date(2027, 1, 18),
    ]
