"""pytest fixtures: import the ones you need in your conftest.py.

    from finks_testing.fixtures import aws_credentials, moto, moto_server  # noqa: F401

`moto_server` is one moto subprocess per session (state reset per test by `moto`);
`moto_accounts` starts more, one per emulated account (optionally with IAM enforced);
`fmp_server` is the local FMP server. Prefect fixtures: `finks_testing.prefect`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest

from finks_local.fmp import LocalFmpServer
from finks_local.moto import DEFAULT_ACCOUNT_ID, FAKE_CREDENTIALS, MotoServer, start_moto
from finks_local.processes import ProcessRegistry

# The local FMP server's "today" for tests: a fixed date, so no test depends on the clock.
FMP_AS_OF = date(2026, 11, 27)

MotoFactory = Callable[..., MotoServer]


@pytest.fixture(scope="session")
def moto_accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoFactory]:
    """Start moto servers on demand, one per emulated account; all stopped at session end.

    `moto_accounts(account_id="111111111111", initial_no_auth_actions=None)`; with
    `initial_no_auth_actions=N`, IAM is enforced after the first N requests.
    """
    workdir = tmp_path_factory.mktemp("moto")
    registry = ProcessRegistry(workdir / "pids.json")

    def start(
        account_id: str = DEFAULT_ACCOUNT_ID, initial_no_auth_actions: int | None = None
    ) -> MotoServer:
        n = len(registry.children)
        return start_moto(
            registry,
            log_path=workdir / f"moto-{n}-{account_id}.log",
            account_id=account_id,
            initial_no_auth_actions=initial_no_auth_actions,
        )

    try:
        yield start
    finally:
        registry.stop_all()


@pytest.fixture(scope="session")
def moto_server(moto_accounts: MotoFactory) -> MotoServer:
    """One moto server per test session (state is reset per test by `moto`)."""
    return moto_accounts()


@pytest.fixture
def moto(moto_server: MotoServer, aws_credentials: None) -> Iterator[MotoServer]:
    """The session's moto server, emptied before each test."""
    moto_server.reset()
    yield moto_server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials so nothing can reach a real account."""
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session")
def fmp_server() -> Iterator[LocalFmpServer]:
    """The local FMP stand-in (deterministic synthetic data up to FMP_AS_OF), one per session."""
    with LocalFmpServer(as_of=FMP_AS_OF) as server:
        yield server
