from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

import pytest

from finks_config import ConfigError, Environment
from finks_pipelines.settings import (
    PipelinesSettings,
    load_settings,
    local_date,
    parse_as_of,
    pipelines_config,
    resolve_env,
)


def test_every_environment_file_validates() -> None:
    for env in Environment:
        settings = load_settings(pipelines_config(env.value))
        assert settings.pipeline_symbols
        assert settings.pipeline_fmp_calls_per_minute > 0


def test_every_field_is_documented() -> None:
    undocumented = [n for n, f in PipelinesSettings.model_fields.items() if not f.description]
    assert undocumented == []


def _minute_of_day(cron: str) -> int:
    minute, hour, *_ = cron.split()
    return int(hour) * 60 + int(minute)


def test_schedules_follow_the_environment_and_never_overlap() -> None:
    assert load_settings(pipelines_config("dev")).pipeline_schedule_cron is None
    assert load_settings(pipelines_config("local")).pipeline_schedule_cron is None
    crons = {}
    for env in ("staging", "prod"):
        settings = load_settings(pipelines_config(env))
        assert settings.pipeline_schedule_cron and settings.pipeline_schedule_cron.endswith(
            "* * 1-5"
        )
        assert settings.pipeline_schedule_timezone == "America/New_York"
        crons[env] = _minute_of_day(settings.pipeline_schedule_cron)
    # Staggered: the environments share FMP's rate limit, so their runs must not coincide.
    assert abs(crons["prod"] - crons["staging"]) >= 45
    assert min(crons.values()) >= 16 * 60 + 30  # after the close, when EOD data exists


def test_lists_are_split_and_normalised() -> None:
    settings = PipelinesSettings.model_validate(
        {"pipeline_symbols": " aapl, msft ,", "pipeline_datasets": "Prices,income"}
    )
    assert settings.pipeline_symbols == ("AAPL", "MSFT")
    assert settings.pipeline_datasets == ("prices", "income")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("PIPELINE_SCHEDULE_CRON", "every day"),
        ("PIPELINE_DATASETS", "prices,quotes"),
        ("PIPELINE_SCHEDULE_TIMEZONE", "Mars/Olympus"),
        ("PIPELINE_FMP_CALLS_PER_MINUTE", "0"),
    ],
)
def test_bad_values_name_the_key(key: str, value: str) -> None:
    config = pipelines_config("dev", {key: value})
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert key in str(err.value)


def test_as_of_is_read_in_the_schedule_time_zone() -> None:
    config = pipelines_config("staging")
    # 01:30 UTC on Dec 2 is still Dec 1 in New York: a run scheduled then is Dec 1's run.
    assert local_date(datetime(2026, 12, 2, 1, 30, tzinfo=UTC), config) == date(2026, 12, 1)
    assert local_date(datetime(2026, 12, 2, 5, 30, tzinfo=UTC), config) == date(2026, 12, 2)


def test_parse_as_of_names_the_flag() -> None:
    assert parse_as_of("2026-12-01") == date(2026, 12, 1)
    with pytest.raises(argparse.ArgumentTypeError, match="--as-of must be an ISO date"):
        parse_as_of("12/01/2026")


def test_resolve_env_defaults_to_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    assert resolve_env(None) is Environment.STAGING
    assert resolve_env("local") is Environment.LOCAL
