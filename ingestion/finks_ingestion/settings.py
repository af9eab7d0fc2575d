"""The ingestion project's own configuration keys (ingestion/config/.env.{env}).

Validated through `config.section(IngestionSettings)`, so a bad value fails with the file and
key named. Field names are the lower-cased keys (FMP_BASE_URL -> fmp_base_url).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from finks_config.urls import HttpUrl

# Project config directory, relative to the repo root (finks_config resolves it).
PROJECT_CONFIG_DIR = "ingestion/config"


class IngestionSettings(BaseModel):
    """Every knob of the FMP client and the runner, with production-safe defaults."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    fmp_base_url: HttpUrl = Field(
        description="FMP host; the client appends /stable/... (a trailing /stable is accepted)",
        examples=["https://financialmodelingprep.com"],
    )
    fmp_calls_per_minute: int = Field(
        300,
        ge=0,
        description="in-process rate limit when no shared limiter is given (0 = unlimited)",
    )
    fmp_connect_timeout_seconds: float = Field(5.0, gt=0, description="FMP connect timeout")
    fmp_read_timeout_seconds: float = Field(
        30.0, gt=0, description="FMP read timeout (between bytes)"
    )
    fmp_max_retries: int = Field(
        5, ge=0, le=20, description="retries after the first attempt (429/5xx/timeouts/bodies)"
    )
    fmp_backoff_base_seconds: float = Field(
        0.5, ge=0, description="exponential backoff base*2^n, capped, half of it jittered"
    )
    fmp_backoff_max_seconds: float = Field(30.0, ge=0, description="cap of one backoff wait")
    fmp_retry_after_max_seconds: float = Field(
        120.0, ge=0, description="longest Retry-After honoured in one wait"
    )
    fmp_income_annual_limit: int = Field(3, ge=1, description="fiscal years a new symbol backfills")
    fmp_income_quarter_limit: int = Field(8, ge=1, description="quarters a new symbol backfills")
    fmp_income_refresh_limit: int = Field(
        2, ge=1, description="newest statements per period a known symbol re-fetches each day"
    )
    ingest_backfill_days: int = Field(
        1825,
        ge=1,
        le=36600,
        description="calendar days of price history a symbol seen for the first time fetches",
    )
    ingest_overlap_days: int = Field(
        3,
        ge=0,
        le=366,
        description="days before the watermark fetched again (late corrections)",
    )
    ingest_concurrency: int = Field(4, ge=1, le=32, description="requests in flight at once")

    @field_validator("fmp_base_url")
    @classmethod
    def _strip_stable_suffix(cls, url: str) -> str:
        """Accept the host with or without a trailing /stable (both appear in FMP docs)."""
        url = url.rstrip("/")
        return url.removesuffix("/stable")
