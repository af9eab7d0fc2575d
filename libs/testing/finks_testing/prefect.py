"""A real Prefect API for tests: one `prefect server start` subprocess per session.

    from finks_testing.prefect import prefect_server, prefect_api  # noqa: F401

`prefect_server` (session) starts the server (finks_local.prefect) on a free loopback
port with its own SQLite database in a temp dir; the first migration takes ~10-30 s,
so it is shared by the whole session. `prefect_api` (per test) points this process's
Prefect client at it and yields the same endpoint. Tests keep their objects apart by
name (flow/deployment/work-pool names), since the database is shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finks_local.prefect import PrefectServer, running_prefect_server, using_prefect_api

PrefectEndpoint = PrefectServer


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """One real Prefect API (SQLite) for the whole test session."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect-server")) as server:
        yield server


@pytest.fixture
def prefect_api(prefect_server: PrefectServer, tmp_path: Path) -> Iterator[PrefectServer]:
    """The session's Prefect API, with this process's client pointed at it."""
    with using_prefect_api(
        prefect_server.url,
        tmp_path / "prefect-client",
        auth_string=prefect_server.auth_string,
        log_batch_interval=0.3,
    ):
        yield prefect_server


__all__ = ["PrefectEndpoint", "PrefectServer", "prefect_api", "prefect_server"]
