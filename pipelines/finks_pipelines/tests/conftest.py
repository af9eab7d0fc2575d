"""Shared fixtures: real moto, a real Prefect API, the local FMP server, per-test state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finks_config import load_config
from finks_ingestion.local_fmp import LocalFmpServer
from finks_pipelines.local_stack import create_buckets
from finks_testing.fixtures import aws_credentials, moto, moto_server  # noqa: F401
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import prefect_api, prefect_server  # noqa: F401


@pytest.fixture(scope="session")
def fmp_server() -> Iterator[LocalFmpServer]:
    """The local FMP stand-in (deterministic synthetic data), one per session."""
    with LocalFmpServer() as server:
        yield server


@pytest.fixture
def local_overrides(
    moto: MotoEndpoint,  # noqa: F811 - the fixture imported above
    fmp_server: LocalFmpServer,
    tmp_path: Path,
) -> dict[str, str]:
    """Config overrides that point the `local` environment at this test's servers and files.

    The local buckets exist, as the local stack creates them before any flow runs.
    """
    overrides = {
        "AWS_ENDPOINT_URL": moto.url,
        "FMP_BASE_URL": fmp_server.url,
        "DBT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "DBT_WORK_DIR": str(tmp_path / "dbt"),
        "PIPELINE_LOOKBACK_DAYS": "45",
    }
    create_buckets(load_config("pipelines/config", "local", overrides), lambda _m: None)
    return overrides
