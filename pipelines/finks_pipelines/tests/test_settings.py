from __future__ import annotations

from datetime import date

import pytest

from finks_config import ConfigError, Environment
from finks_pipelines.settings import PipelinesSettings, load_settings, pipelines_config, resolve_env


def test_every_environment_file_validates() -> None:
    for env in Environment:
        settings = load_settings(pipelines_config(env.value))
        assert settings.pipeline_symbols
        assert settings.prefect_work_pool


def test_schedules_follow_the_environment() -> None:
    assert load_settings(pipelines_config("dev")).pipeline_schedule_cron is None
    assert load_settings(pipelines_config("local")).pipeline_schedule_cron is None
    for env in ("staging", "prod"):
        settings = load_settings(pipelines_config(env))
        assert settings.pipeline_schedule_cron == "30 17 * * 1-5"
        assert settings.pipeline_schedule_timezone == "America/New_York"


def test_lists_are_split_and_normalised() -> None:
    settings = PipelinesSettings.model_validate(
        {
            "pipeline_symbols": " aapl, msft ,",
            "pipeline_datasets": "Prices,income",
            "prefect_work_pool": "pool",
        }
    )
    assert settings.pipeline_symbols == ("AAPL", "MSFT")
    assert settings.pipeline_datasets == ("prices", "income")
    assert settings.window(date(2026, 1, 31)) == (date(2026, 1, 1), date(2026, 1, 31))


def test_bad_cron_names_the_key() -> None:
    config = pipelines_config("dev", {"PIPELINE_SCHEDULE_CRON": "every day"})
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert "PIPELINE_SCHEDULE_CRON" in str(err.value)


def test_unknown_dataset_names_the_key() -> None:
    config = pipelines_config("dev", {"PIPELINE_DATASETS": "prices,quotes"})
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert "PIPELINE_DATASETS" in str(err.value)


def test_resolve_env_defaults_to_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    assert resolve_env(None) is Environment.STAGING
    assert resolve_env("local") is Environment.LOCAL
