"""A fault-free local FMP server shared by the session, with a distinctive key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from finks_local.fmp import LocalFmpServer

TEST_API_KEY = "fmp-test-key-4b7e19c2d8a6"
AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="session")
def fmp_server() -> Iterator[LocalFmpServer]:
    with LocalFmpServer(api_key=TEST_API_KEY, as_of=AS_OF) as server:
        yield server
