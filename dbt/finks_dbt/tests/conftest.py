"""Fixtures for the dbt tests: a real moto S3 server holding bronze objects, scratch dirs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from finks_config import Config, load_config
from finks_dbt.tests import bronze_fixtures
from finks_testing.fixtures import aws_credentials, moto, moto_accounts, moto_server  # noqa: F401
from finks_testing.moto import MotoEndpoint

# Variables a developer's shell or CI may export; tests must not depend on them.
_AMBIENT = (
    "ENVIRONMENT",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "DBT_TARGET",
    "DBT_DUCKDB_PATH",
    "DBT_WORK_DIR",
    "DBT_THREADS",
    "DBT_PROFILES_DIR",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in _AMBIENT:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no AWS credentials anywhere (env vars, files, profiles)."""
    for key in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # Never wait for an instance-metadata endpoint that does not exist here.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@dataclass(frozen=True)
class LocalBronze:
    """A moto server whose local bronze bucket holds the fixture objects."""

    moto: MotoEndpoint
    overrides: dict[str, str]
    objects: int

    def config(self) -> Config:
        return load_config("dbt/config", "local", self.overrides)


@pytest.fixture
def scratch_overrides(tmp_path: Path) -> Callable[[str], dict[str, str]]:
    """Config overrides that keep dbt's output and the warehouse in a temp dir."""

    def make(endpoint: str) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": endpoint,
            "DBT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "DBT_WORK_DIR": str(tmp_path / "dbt"),
            "DBT_THREADS": "2",
        }

    return make


@pytest.fixture
def local_bronze(
    moto: MotoEndpoint,  # noqa: F811
    scratch_overrides: Callable[[str], dict[str, str]],
) -> Iterator[LocalBronze]:
    overrides = scratch_overrides(moto.url)
    bucket = load_config("dbt/config", "local", overrides).bronze_bucket
    written = bronze_fixtures.upload(moto.raw_client("s3"), bucket)
    yield LocalBronze(moto=moto, overrides=overrides, objects=written)
