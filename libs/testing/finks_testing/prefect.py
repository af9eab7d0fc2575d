"""A real Prefect API for tests: one `prefect server start` subprocess per session.

    from finks_testing.prefect import prefect_server, prefect_api  # noqa: F401

`prefect_server` (session) starts the server on a free loopback port with its own
PREFECT_HOME (SQLite database) in a temp dir; the first migration takes ~10-30 s,
so it is shared by the whole session. `prefect_api` (per test) points this
process's Prefect client at it (PREFECT_API_URL through Prefect's settings
context, and a private client PREFECT_HOME) and yields the same endpoint.
Tests keep their objects apart by name (flow/deployment/work-pool names), since the
database is shared.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from finks_testing.ports import free_port

_SERVER_START = (sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1")


@dataclass(frozen=True)
class PrefectEndpoint:
    """Where a running Prefect API answers, and where it keeps its database."""

    url: str  # e.g. http://127.0.0.1:43121/api
    home: Path


def _child_env(home: Path) -> dict[str, str]:
    """Environment for the server: our sys.path (works inside a PEX), quiet, no UI."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["PREFECT_HOME"] = str(home)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["PREFECT_UI_ENABLED"] = "false"
    env["PREFECT_SERVER_UI_ENABLED"] = "false"
    env["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] = "false"
    env["PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED"] = "false"
    env["PREFECT_SERVER_LOGGING_LEVEL"] = "WARNING"
    env.pop("PREFECT_API_URL", None)
    env.pop("PEX_EXTRA_SYS_PATH", None)
    return env


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:  # noqa: S310 - loopback
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server's whole process group, then make sure it is gone."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextmanager
def running_prefect_server(home: Path, timeout: float = 180.0) -> Iterator[PrefectEndpoint]:
    """Start `prefect server start` on 127.0.0.1:<free port>; stop it (and children) on exit."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [*_SERVER_START, "--port", str(port)],
            env=_child_env(home),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"prefect server exited with {proc.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"prefect server not healthy at {url} after {timeout:.0f}s")
            time.sleep(0.2)
        yield PrefectEndpoint(url=url, home=home)
    finally:
        _stop(proc)


def drain_prefect_workers(timeout: float = 15.0) -> None:
    """Send the client's queued logs and events now, while the API still answers.

    Prefect ships logs/events from background workers; left for interpreter exit
    they retry against a server that is already gone and stall the exit.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=timeout)
    EventsWorker.drain_all(timeout=timeout)


@contextmanager
def using_prefect_api(endpoint: PrefectEndpoint, client_home: Path) -> Iterator[None]:
    """Point this process's Prefect client at `endpoint` for the duration of the block."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_LOGGING_TO_API_BATCH_INTERVAL,
        temporary_settings,
    )

    client_home.mkdir(parents=True, exist_ok=True)
    with temporary_settings(
        updates={
            PREFECT_API_URL: endpoint.url,
            PREFECT_HOME: str(client_home),
            PREFECT_LOGGING_TO_API_BATCH_INTERVAL: 0.3,
        }
    ):
        try:
            yield
        finally:
            drain_prefect_workers()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectEndpoint]:
    """One real Prefect API (SQLite) for the whole test session."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect-server")) as endpoint:
        yield endpoint


@pytest.fixture
def prefect_api(prefect_server: PrefectEndpoint, tmp_path: Path) -> Iterator[PrefectEndpoint]:
    """The session's Prefect API, with this process's client pointed at it."""
    with using_prefect_api(prefect_server, tmp_path / "prefect-client"):
        yield prefect_server
