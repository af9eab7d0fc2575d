"""The pipelines project's own keys (pipelines/config/.env.{env}) and per-project configs.

A flow touches three projects, each with its own config directory: ingestion keys
(FMP_*, INGEST_*) live in ingestion/config, dbt keys in dbt/config, pipeline keys here.
A run is identified by (environment, overrides, as-of); every task rebuilds the Config
it needs from that, so tasks stay independent and their parameters stay JSON.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from finks_config import Config, Environment, current_environment, load_config
from finks_config.layout import DATASETS

PROJECT = "pipelines"
PROJECT_CONFIG_DIR = "pipelines/config"
INGESTION_CONFIG_DIR = "ingestion/config"
DBT_CONFIG_DIR = "dbt/config"


class PipelinesSettings(BaseModel):
    """Pipeline knobs, one per key of pipelines/config/.env.{env}."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pipeline_symbols: tuple[str, ...] = Field(
        min_length=1, description="Symbols the medallion flow ingests (comma-separated)."
    )
    pipeline_datasets: tuple[str, ...] = Field(
        DATASETS, description="Datasets per run (prices, profiles, income)."
    )
    pipeline_schedule_cron: str | None = Field(
        None,
        description="Cron schedule of the medallion deployment; empty = no schedule."
        " Staggered across environments (they share FMP's rate limit).",
    )
    pipeline_schedule_timezone: str = Field(
        "America/New_York",
        description="Time zone of the cron schedule, and of a run's default as-of date.",
    )
    pipeline_completion_deadline_minutes: int = Field(
        180,
        ge=1,
        le=24 * 60,
        description="Alert when no medallion run completed this long after its scheduled start.",
    )
    prefect_work_pool_type: str = Field("process", description="Type of the env's work pool.")
    prefect_work_pool_concurrency: int = Field(
        1, ge=1, le=64, description="Flow runs the work pool runs at once (its workers)."
    )
    pipeline_task_retries: int = Field(
        2, ge=0, le=10, description="Retries of an ingest or dbt task."
    )
    pipeline_task_retry_delay_seconds: float = Field(
        30.0, ge=0, description="Seconds between task retries."
    )
    pipeline_max_parallel_tasks: int = Field(
        4, ge=1, le=64, description="Ingestion tasks in flight at once."
    )
    pipeline_symbols_per_task: int = Field(
        25,
        ge=1,
        le=1000,
        description="Symbols one ingestion task fetches (all datasets);"
        " a retry re-runs only its batch.",
    )
    pipeline_fmp_calls_per_minute: int = Field(
        300,
        ge=1,
        description="FMP requests per minute for the whole environment (every task and"
        " process of every run share it: a Prefect global concurrency limit).",
    )
    pipeline_fmp_burst: int = Field(
        0,
        ge=0,
        description="Requests that may start at once before the rate applies;"
        " 0 = one second's worth.",
    )
    pipeline_warehouse_lock_timeout_seconds: float = Field(
        1800.0,
        ge=0,
        description="How long a transform waits for the warehouse lock (a dbt deploy holds it).",
    )

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

    @field_validator("pipeline_schedule_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as America/New_York") from None
        return value


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


def local_date(moment: datetime, config: Config) -> date:
    """The calendar date of `moment` in the env's schedule time zone (a run's business day)."""
    return moment.astimezone(ZoneInfo(load_settings(config).pipeline_schedule_timezone)).date()


def default_as_of(config: Config) -> date:
    """Today in the env's schedule time zone: the one wall-clock read, at an entry point."""
    return local_date(datetime.now().astimezone(), config)


def parse_as_of(value: str) -> date:
    """`--as-of YYYY-MM-DD` (argparse `type=`): a bad value is a usage error naming the flag."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--as-of must be an ISO date YYYY-MM-DD, got {value!r}"
        ) from None
