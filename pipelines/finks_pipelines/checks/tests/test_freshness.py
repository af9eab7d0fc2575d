"""Gold freshness: which trading day the schedule owes, and gold's partitions in S3 (moto)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finks_config import Config
from finks_config.aws import client
from finks_pipelines.checks.freshness import expected_latest_day, gold_days

NY = ZoneInfo("America/New_York")
CRON = "30 17 * * 1-5"
GRACE = timedelta(hours=3)


def _owed(now: datetime) -> date:
    found = expected_latest_day(CRON, "America/New_York", now, GRACE)
    assert found is not None
    return found[0]


def test_the_day_owed_follows_the_schedule_grace_and_calendar() -> None:
    # Monday noon: Monday's run has not fired; Friday's has -> Friday.
    assert _owed(datetime(2026, 11, 30, 12, 0, tzinfo=NY)) == date(2026, 11, 27)
    # Monday 21:00: fired 17:30, within the 3 h grace -> still Friday.
    assert _owed(datetime(2026, 11, 30, 20, 0, tzinfo=NY)) == date(2026, 11, 27)
    # Monday 21:00 (after the grace) -> Monday.
    assert _owed(datetime(2026, 11, 30, 21, 0, tzinfo=NY)) == date(2026, 11, 30)
    # Thanksgiving (a weekday, market closed): its run owes Wednesday.
    assert _owed(datetime(2026, 11, 26, 23, 0, tzinfo=NY)) == date(2026, 11, 25)


def test_gold_partitions_are_listed_below_the_iceberg_table_prefix(
    env_config: Callable[[str], Config],
) -> None:
    config = env_config("prod")
    s3: Any = client(config, "s3")
    table = f"{config.analytics_database}/fct_daily_prices/0b1c2d/data"
    for day in ("2026-11-25", "2026-11-27", "2026-11-26"):
        s3.put_object(
            Bucket=config.gold_bucket, Key=f"{table}/price_date={day}/f.parquet", Body=b""
        )
    s3.put_object(Bucket=config.gold_bucket, Key=f"{table}/../metadata/v1.json", Body=b"{}")
    other = f"{config.analytics_database}/dim_company/9f/data/price_date=2027-01-01/f.parquet"
    s3.put_object(Bucket=config.gold_bucket, Key=other, Body=b"")
    assert gold_days(config) == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
