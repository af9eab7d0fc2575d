"""Shared fixtures: a real moto S3 server and real local FMP servers, both over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from finks_config import Config, Environment, load_config
from finks_ingestion.settings import PROJECT_CONFIG_DIR
from finks_local.fmp import LocalFmpServer
from finks_testing.fixtures import aws_credentials, moto, moto_accounts, moto_server  # noqa: F401
from finks_testing.moto import MotoEndpoint

# A distinctive key so a leak is easy to spot in logs, errors and objects.
TEST_API_KEY = "fmp-test-key-4b7e19c2d8a6"
# The tests' "today" (a Tuesday): fixed, so no test depends on the clock.
AS_OF = date(2026, 11, 24)
BACKFILL_DAYS = 45

# Short timeouts/backoffs keep fault tests fast; Retry-After (1 s) is still honoured.
FAST = {
    "FMP_CONNECT_TIMEOUT_SECONDS": "1",
    "FMP_READ_TIMEOUT_SECONDS": "0.3",
    "FMP_BACKOFF_BASE_SECONDS": "0.01",
    "FMP_BACKOFF_MAX_SECONDS": "0.05",
    "FMP_MAX_RETRIES": "5",
    "FMP_CALLS_PER_MINUTE": "0",
    "INGEST_CONCURRENCY": "6",
    "INGEST_BACKFILL_DAYS": str(BACKFILL_DAYS),
    "INGEST_OVERLAP_DAYS": "3",
}


@pytest.fixture(autouse=True)
def fmp_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FINKS_SECRET_FMP_API_KEY", TEST_API_KEY)
    return TEST_API_KEY


@pytest.fixture(scope="session")
def fmp_server() -> Iterator[LocalFmpServer]:
    """A fault-free local FMP server at AS_OF, shared by the session (never move its clock)."""
    with LocalFmpServer(api_key=TEST_API_KEY, as_of=AS_OF) as server:
        yield server


@pytest.fixture
def fmp_clock() -> Iterator[LocalFmpServer]:
    """A local FMP server of this test's own, whose clock the test moves (``.as_of = day``)."""
    with LocalFmpServer(api_key=TEST_API_KEY, as_of=AS_OF) as server:
        yield server


@pytest.fixture
def make_config(moto: MotoEndpoint) -> Callable[..., Config]:  # noqa: F811
    """A `local` Config pointing at moto and the given FMP server, with fast client knobs."""

    def build(fmp_url: str, **extra: str) -> Config:
        overrides = {"AWS_ENDPOINT_URL": moto.url, "FMP_BASE_URL": fmp_url, **FAST, **extra}
        return load_config(PROJECT_CONFIG_DIR, env=Environment.LOCAL, overrides=overrides)

    return build


@pytest.fixture
def s3(moto: MotoEndpoint) -> Any:  # noqa: F811
    """Unguarded S3 client for inspection only."""
    return moto.raw_client("s3")


def all_objects(s3: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object in the bucket (under ``prefix``): key -> bytes."""
    out: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            out[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return out


@pytest.fixture
def config_local(make_config: Callable[..., Config]) -> Config:
    """A local Config (for bucket names) independent of any FMP server."""
    return make_config("http://127.0.0.1:9")
