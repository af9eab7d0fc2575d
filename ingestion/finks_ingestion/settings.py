"""The ingestion project's own configuration keys (ingestion/config/.env.{env}).

Validated through `config.section(IngestionSettings)`, so a bad value fails with the file and
key named. Field names are the lower-cased keys (FMP_BASE_URL -> fmp_base_url).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Project config directory, relative to the repo root (finks_config resolves it).
PROJECT_CONFIG_DIR = "ingestion/config"


class IngestionSettings(BaseModel):
    """Every knob of the FMP client and the runner, with production-safe defaults."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    fmp_base_url: str = Field(description="FMP host (the client appends /stable/...)")
    fmp_calls_per_minute: int = Field(300, ge=0, description="client-side rate limit; 0 = off")
    fmp_connect_timeout_seconds: float = Field(5.0, gt=0)
    fmp_read_timeout_seconds: float = Field(30.0, gt=0)
    fmp_max_retries: int = Field(5, ge=0, le=20, description="retries after the first attempt")
    fmp_backoff_base_seconds: float = Field(0.5, ge=0)
    fmp_backoff_max_seconds: float = Field(30.0, ge=0)
    fmp_retry_after_max_seconds: float = Field(120.0, ge=0, description="cap on Retry-After")
    fmp_income_annual_limit: int = Field(3, ge=1, description="fiscal years per symbol")
    fmp_income_quarter_limit: int = Field(8, ge=1, description="quarters per symbol")
    ingest_concurrency: int = Field(4, ge=1, le=32, description="requests in flight")

    @field_validator("fmp_base_url")
    @classmethod
    def _normalise_base_url(cls, value: str) -> str:
        """Accept the host with or without a trailing /stable (both appear in FMP docs)."""
        url = value.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://financialmodelingprep.com")
        if url.endswith("/stable"):
            url = url[: -len("/stable")]
        return url
