"""The fake market's trading days are the platform's one calendar, finks_config.calendar.

Why re-use it: the gold checks measure a missing (symbol, trading day) against that
calendar (NYSE holidays, Good Friday, closures), so the fake FMP must have bars on exactly
those days. Only where the fake market's history begins is decided here.
"""

from __future__ import annotations

from datetime import date

from finks_config.calendar import is_trading_day, last_trading_day
from finks_config.calendar import trading_days as _calendar_days

# The earliest day the fake market has data for (a symbol's history starts at its IPO if later).
HISTORY_START = date(1990, 1, 2)


def trading_days(start: date, end: date) -> list[date]:
    """Every trading day in ``start..end`` (both inclusive) since HISTORY_START, oldest first."""
    return _calendar_days(max(start, HISTORY_START), end)


__all__ = ["HISTORY_START", "is_trading_day", "last_trading_day", "trading_days"]
