"""Shared fixtures: real moto, a real Prefect API, the local FMP server, per-test state."""

from __future__ import annotations

from pathlib import Path

import pytest

from finks_config import load_config
from finks_local.fmp import LocalFmpServer
from finks_pipelines.limits import apply_rate_limit, fmp_rate_limit
from finks_pipelines.local_stack import LocalPaths, create_buckets, stack_overrides
from finks_testing.fixtures import (  # noqa: F401
    FMP_AS_OF,
    aws_credentials,
    fmp_server,
    moto,
    moto_accounts,
    moto_server,
)
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import PrefectEndpoint, prefect_api, prefect_server  # noqa: F401

AS_OF = FMP_AS_OF.isoformat()  # the tests' business date: fixed, never the clock


@pytest.fixture
def local_overrides(
    moto: MotoEndpoint,  # noqa: F811 - the fixture imported above
    fmp_server: LocalFmpServer,  # noqa: F811
    tmp_path: Path,
) -> dict[str, str]:
    """Config overrides that point `local` at this test's servers and files.

    The local buckets exist, as the local stack creates them before any flow runs; a new
    symbol backfills 45 days (small and fast).
    """
    overrides = stack_overrides(LocalPaths(tmp_path), moto.url, fmp_server.url, prefect_url="")
    overrides.pop("PREFECT_API_URL")
    overrides.update({"INGEST_BACKFILL_DAYS": "45", "PIPELINE_TASK_RETRY_DELAY_SECONDS": "0"})
    create_buckets(load_config("pipelines/config", "local", overrides), lambda _m: None)
    return overrides


@pytest.fixture
def local_rate_limit(
    prefect_api: PrefectEndpoint,  # noqa: F811
    local_overrides: dict[str, str],
) -> str:
    """The local env's FMP rate limit on the test's Prefect API, as the deploy applies it."""
    from prefect import get_client

    spec = fmp_rate_limit(load_config("pipelines/config", "local", local_overrides))
    with get_client(sync_client=True) as client:
        apply_rate_limit(client, spec)
    return spec.name
