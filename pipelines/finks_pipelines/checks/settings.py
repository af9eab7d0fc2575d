"""The keys of the post-deploy checks (pipelines/config/.env.{env}, documented in .env.example)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ChecksSettings(BaseModel):
    """What `pipelines:check` runs and how strict it is, per environment."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    check_symbols: tuple[str, ...] = Field(
        ("AAPL", "MSFT"),
        min_length=1,
        description="Symbols of the staging integration run: small and fixed, so runs compare.",
    )
    check_as_of: date | None = Field(
        None,
        description="As-of date of the staging integration run (fixed, so every run does the "
        "same work); unset: the check's --as-of.",
    )
    check_slowdown_factor: float = Field(
        1.5,
        gt=1,
        description="A stage this many times slower than the median of the previous staging "
        "checks fails the check.",
    )
    check_min_slowdown_seconds: float = Field(
        5,
        ge=0,
        description="A slower stage fails only when it is also this many seconds slower "
        "(sub-second stages jitter).",
    )
    check_baseline_runs: int = Field(
        5, ge=1, le=50, description="How many previous passed checks the median is taken over."
    )
    check_timeout_seconds: float = Field(
        1800, gt=0, description="How long the staging check waits for its run to finish."
    )
    check_workers: int = Field(
        1,
        ge=0,
        description="Workers the env's work pool must have online (the stack's workerCount).",
    )
    check_workers_wait_seconds: float = Field(
        120,
        ge=0,
        description="How long the smoke check waits for the workers to come online after a "
        "deploy.",
    )
    check_gold_grace_hours: float = Field(
        3,
        ge=0,
        description="Hours after a scheduled run before its trading day must be in gold.",
    )

    @field_validator("check_symbols", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().upper() for part in value.split(",") if part.strip())
        return value
