"""The local FMP server as a child process: its own interpreter, the same API."""

from __future__ import annotations

from pathlib import Path

import httpx

from finks_local.fmp import start_fmp_process
from finks_local.fmp.tests.conftest import AS_OF, TEST_API_KEY
from finks_local.processes import ProcessRegistry


def test_the_server_runs_as_a_child_process_and_stops_with_its_registry(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path / "pids.json")
    try:
        fmp = start_fmp_process(
            registry, as_of=AS_OF, api_key=TEST_API_KEY, log_path=tmp_path / "fmp.log"
        )
        answer = httpx.get(
            f"{fmp.url}/stable/historical-price-eod/full",
            params={"symbol": "MSFT", "from": "2026-11-01", "apikey": TEST_API_KEY},
        )
        assert answer.status_code == 200
        assert answer.json()[0]["date"] == AS_OF.isoformat()  # served up to its as-of date
        assert fmp.process.pid != 0 and fmp.process.running()
    finally:
        registry.stop_all()
    assert not fmp.process.running()
