"""Is gold as new as the schedule says it should be? Expected day vs gold's newest partition.

Why read S3 partitions instead of querying Athena: the check must cost nothing, write
nothing and work against an emulated account (which runs no SQL). The newest
``price_date`` partition of ``fct_daily_prices`` in the gold bucket is gold's latest
trading day; the schedule's last run that should have finished by now (``grace``
after it fired) processed its own date, so gold must hold the last trading day on or
before that date.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finks_config import Config
from finks_config.aws import client
from finks_config.aws.listing import child_prefixes
from finks_config.calendar import last_trading_day

GOLD_MART = "fct_daily_prices"
_MAX_DEPTH = 4


def last_fire(cron: str, timezone: str, before: datetime) -> datetime | None:
    """The schedule's newest fire time at or before ``before`` (Prefect's own cron rules)."""
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron=cron, timezone=timezone)
    fires = asyncio.run(schedule.get_dates(n=10_000, start=before - timedelta(days=14), end=before))
    if not fires:
        return None
    return datetime.fromisoformat(max(fires).isoformat()).astimezone(ZoneInfo(timezone))


def expected_latest_day(
    cron: str, timezone: str, now: datetime, grace: timedelta
) -> tuple[date, datetime] | None:
    """(trading day gold must hold, the run that should have produced it), or None."""
    fired = last_fire(cron, timezone, now - grace)
    if fired is None:
        return None
    return last_trading_day(date(fired.year, fired.month, fired.day)), fired


def _partition_day(prefix: str, column: str) -> date | None:
    found = re.search(rf"(?:^|/){re.escape(column)}(?:_day)?=(\d{{4}}-\d{{2}}-\d{{2}})/$", prefix)
    return date.fromisoformat(found.group(1)) if found else None


def gold_days(config: Config, mart: str = GOLD_MART) -> list[date]:
    """Every ``{partition}=YYYY-MM-DD`` partition of ``mart`` in its bucket (listing only).

    Walks the table's prefix one level at a time (Iceberg puts data under
    ``{schema}/{table}/{uuid}/data/{partition}=.../``), never listing data files. Where
    the table lives and what it is partitioned by come from ``finks_dbt.gold_location``.
    """
    from finks_dbt.locations import gold_location

    where = gold_location(config, mart)
    if where.partition_key is None:
        raise ValueError(f"{mart} is not partitioned by day: no partitions to list")
    s3: Any = client(config, "s3")
    days: set[date] = set()
    frontier = [where.prefix]
    for _ in range(_MAX_DEPTH):
        deeper = []
        for prefix in frontier:
            for child in child_prefixes(s3, where.bucket, prefix):
                day = _partition_day(child, where.partition_key)
                if day is None:
                    deeper.append(child)
                else:
                    days.add(day)
        if days or not deeper:
            break
        frontier = deeper
    return sorted(days)
