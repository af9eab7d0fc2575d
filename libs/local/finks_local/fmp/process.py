"""The local FMP server as a child process (its own interpreter, so its JSON work never
shares a GIL with the process under test or measurement: benchmarks, the rehearsal)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from finks_local.fmp.server import LOCAL_FMP_API_KEY
from finks_local.ports import LOOPBACK, free_port
from finks_local.processes import ManagedProcess, ProcessRegistry, python_env


@dataclass(frozen=True)
class FmpProcess:
    url: str  # -> FMP_BASE_URL
    process: ManagedProcess


def start_fmp_process(
    registry: ProcessRegistry,
    *,
    as_of: date,
    log_path: Path,
    api_key: str = LOCAL_FMP_API_KEY,
    port: int = 0,
    timeout: float = 60.0,
    cache_responses: bool = False,
) -> FmpProcess:
    """Start ``python -m finks_local.fmp.server`` serving up to ``as_of``; wait until it answers."""
    chosen = port or free_port(LOOPBACK)
    argv = [
        sys.executable,
        "-m",
        "finks_local.fmp.server",
        "--host",
        LOOPBACK,
        "--port",
        str(chosen),
    ]
    argv += ["--as-of", as_of.isoformat(), "--api-key", api_key]
    if cache_responses:  # see LocalFmpServer: benchmarks that measure the client
        argv.append("--cache-responses")
    process = registry.start("local FMP server", argv, python_env(), log_path, grace=2.0)
    url = f"http://{LOOPBACK}:{chosen}"
    process.wait_ready(f"{url}/stable/profile", timeout=timeout)
    return FmpProcess(url, process)
