"""pytest fixtures: import the ones you need in your conftest.py.

    from finks_testing.fixtures import aws_credentials, moto_server  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from finks_testing.moto import FAKE_CREDENTIALS, MotoEndpoint, running_moto_server


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoEndpoint]:
    """One moto server per test session (it starts in ~1 s; state is reset per test)."""
    with running_moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def moto(moto_server: MotoEndpoint, aws_credentials: None) -> Iterator[MotoEndpoint]:
    """The session's moto server, emptied before each test."""
    moto_server.reset()
    yield moto_server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials so nothing can reach a real account."""
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
