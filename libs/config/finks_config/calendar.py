"""The US equity market's trading calendar: weekdays minus NYSE holidays and closures.

Why one module: the local FMP server (which days have prices), the gold data checks
(which (symbol, day) must exist, which day is the latest) and the benchmarks (which
days to simulate) must agree on what a trading day is. Rules are NYSE's: New Year's
Day, Martin Luther King Jr. Day, Washington's Birthday, Good Friday, Memorial Day,
Juneteenth (from 2022), Independence Day, Labor Day, Thanksgiving and Christmas,
moved to Friday/Monday when they fall on a weekend (New Year's Day on a Saturday is
not moved: NYSE does not close on the Friday before), plus the unscheduled closures
listed in SPECIAL_CLOSURES. Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

# Unscheduled full-day closures since 2001 (weather, national days of mourning).
SPECIAL_CLOSURES: dict[date, str] = {
    date(2001, 9, 11): "September 11",
    date(2001, 9, 12): "September 11",
    date(2001, 9, 13): "September 11",
    date(2001, 9, 14): "September 11",
    date(2004, 6, 11): "Day of mourning (Reagan)",
    date(2007, 1, 2): "Day of mourning (Ford)",
    date(2012, 10, 29): "Hurricane Sandy",
    date(2012, 10, 30): "Hurricane Sandy",
    date(2018, 12, 5): "Day of mourning (G. H. W. Bush)",
    date(2025, 1, 9): "Day of mourning (Carter)",
}


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of a month; n = -1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    day = (h + leap - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _observed(day: date) -> date:
    """A fixed-date holiday on a Saturday is observed on Friday, on a Sunday on Monday."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@cache
def market_holidays(year: int) -> dict[date, str]:
    """Every full-day market closure of `year` that falls on a weekday, with its name."""
    days: dict[date, str] = {}
    new_year = date(year, 1, 1)
    if new_year.weekday() != 5:  # a Saturday New Year's Day is not observed
        days[_observed(new_year)] = "New Year's Day"
    days[_nth_weekday(year, 1, 0, 3)] = "Martin Luther King Jr. Day"
    days[_nth_weekday(year, 2, 0, 3)] = "Washington's Birthday"
    days[_easter(year) - timedelta(days=2)] = "Good Friday"
    days[_nth_weekday(year, 5, 0, -1)] = "Memorial Day"
    if year >= 2022:
        days[_observed(date(year, 6, 19))] = "Juneteenth"
    days[_observed(date(year, 7, 4))] = "Independence Day"
    days[_nth_weekday(year, 9, 0, 1)] = "Labor Day"
    days[_nth_weekday(year, 11, 3, 4)] = "Thanksgiving Day"
    days[_observed(date(year, 12, 25))] = "Christmas Day"
    days.update({d: name for d, name in SPECIAL_CLOSURES.items() if d.year == year})
    return dict(sorted(days.items()))


def is_trading_day(day: date) -> bool:
    """A weekday on which the market is open."""
    return day.weekday() < 5 and day not in market_holidays(day.year)


def trading_days(start: date, end: date) -> list[date]:
    """Trading days from `start` to `end`, both included (empty when start > end)."""
    days: list[date] = []
    day = start
    while day <= end:
        if is_trading_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def last_trading_day(on_or_before: date) -> date:
    """The latest trading day not after `on_or_before` (itself when it is one)."""
    day = on_or_before
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def next_trading_day(after: date) -> date:
    """The first trading day strictly after `after`."""
    day = after + timedelta(days=1)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def non_trading_weekdays(start: date, end: date) -> list[date]:
    """Weekdays between `start` and `end` (inclusive) on which the market is closed."""
    return [
        d
        for year in range(start.year, end.year + 1)
        for d in market_holidays(year)
        if start <= d <= end
    ]
