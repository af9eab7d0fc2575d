"""The pipelines project's own keys (pipelines/config/.env.{env}) and per-project configs.

A flow touches three projects, each with its own config directory: ingestion keys
(FMP_*) live in ingestion/config, dbt keys in dbt/config, pipeline keys here. A run
is identified by (environment, overrides); every task rebuilds the Config it needs
from that pair, so tasks stay independent and their parameters stay JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from finks_config import Config, Environment, current_environment, load_config

PROJECT = "pipelines"
PROJECT_CONFIG_DIR = "pipelines/config"
INGESTION_CONFIG_DIR = "ingestion/config"
DBT_CONFIG_DIR = "dbt/config"

DATASETS = ("prices", "profiles", "income")


class PipelinesSettings(BaseModel):
    """Pipeline knobs; every field documented in pipelines/config/.env.example."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pipeline_symbols: tuple[str, ...] = Field(min_length=1)
    pipeline_lookback_days: int = Field(30, ge=1, le=3660)
    pipeline_datasets: tuple[str, ...] = DATASETS
    pipeline_schedule_cron: str | None = None
    pipeline_schedule_timezone: str = "America/New_York"
    prefect_work_pool: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    prefect_work_pool_type: str = "process"
    pipeline_task_retries: int = Field(2, ge=0, le=10)
    pipeline_task_retry_delay_seconds: float = Field(30.0, ge=0)
    pipeline_max_parallel_tasks: int = Field(4, ge=1, le=64)
    notify_webhook_url: str | None = None

    @field_validator("pipeline_symbols", "pipeline_datasets", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().upper() for part in value.split(",") if part.strip())
        return value

    @field_validator("pipeline_datasets")
    @classmethod
    def _known_datasets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        lowered = tuple(v.lower() for v in value)
        unknown = [v for v in lowered if v not in DATASETS]
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; choose from {list(DATASETS)}")
        return lowered

    @field_validator("pipeline_schedule_cron")
    @classmethod
    def _cron_fields(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if len(value.split()) != 5:
            raise ValueError("must be a 5-field cron expression like '30 17 * * 1-5', or empty")
        return " ".join(value.split())

    @field_validator("notify_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, or empty to print notifications")
        return value.strip()

    def window(self, end: date) -> tuple[date, date]:
        """The price window of a run ending on `end` (inclusive)."""
        return end - timedelta(days=self.pipeline_lookback_days), end


def resolve_env(env: str | Environment | None) -> Environment:
    """A flow parameter's environment: explicit, else ENVIRONMENT (default dev)."""
    if env is None or env == "":
        return current_environment()
    return env if isinstance(env, Environment) else Environment.parse(env)


def project_config(
    config_dir: str, env: str | Environment | None, overrides: Mapping[str, str] | None = None
) -> Config:
    """The Config of one project (its config dir) for this run's environment and overrides."""
    return load_config(config_dir, resolve_env(env), dict(overrides or {}))


def pipelines_config(
    env: str | Environment | None, overrides: Mapping[str, str] | None = None
) -> Config:
    return project_config(PROJECT_CONFIG_DIR, env, overrides)


def load_settings(config: Config) -> PipelinesSettings:
    """The pipeline keys of `config`, validated (ConfigError names the file and key)."""
    return config.section(PipelinesSettings)
