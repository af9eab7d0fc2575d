"""A real Prefect API on loopback: `prefect server start` as a child process.

Why a subprocess and not Prefect's ephemeral server: the local platform, the tests and
the rehearsal want what the cloud has, a server other processes (a worker, a second
flow run, a browser) can reach. SQLite under `home` by default, so a second start skips
the migrations; or any `database_url` (e.g. a Postgres like the cloud's RDS). The UI,
basic auth and the scheduler are options; analytics are always off.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finks_local.ports import LOOPBACK, free_port
from finks_local.processes import ChildServer, ManagedProcess, ProcessRegistry, python_env

SERVER_START = (sys.executable, "-m", "prefect", "server", "start")
# Settings a parent process may have that must not leak into the server.
_CLIENT_ONLY = (
    "PREFECT_API_URL",
    "PREFECT_API_KEY",
    "PREFECT_API_AUTH_STRING",
)


@dataclass
class PrefectServer(ChildServer):
    """A running Prefect API: where it answers and where it keeps its database."""

    url: str  # the API, e.g. http://127.0.0.1:4200/api
    ui_url: str | None  # e.g. http://127.0.0.1:4200 when the UI is on
    home: Path
    first_start: bool  # the SQLite database was created by this start
    process: ManagedProcess
    auth_string: str | None = None

    def client_env(self) -> dict[str, str]:
        """The settings a child process (a worker, a CLI) needs to talk to this API."""
        env = {"PREFECT_API_URL": self.url}
        if self.auth_string:
            env["PREFECT_API_AUTH_STRING"] = self.auth_string
        return env


def server_env(
    home: Path,
    *,
    api_url: str,
    database_url: str | None = None,
    ui: bool = False,
    auth_string: str | None = None,
    scheduler: bool = False,
) -> dict[str, str]:
    """The server's environment: our sys.path, its own home, quiet, options applied."""
    flag = {True: "true", False: "false"}
    env = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": flag[ui],
        "PREFECT_SERVER_UI_ENABLED": flag[ui],
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": flag[scheduler],
        "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": flag[scheduler],
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
    if ui:
        env["PREFECT_UI_API_URL"] = api_url
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    if auth_string:
        env["PREFECT_SERVER_API_AUTH_STRING"] = auth_string
    child = python_env(env)
    for key in _CLIENT_ONLY:
        child.pop(key, None)
    return child


def start_prefect_server(
    registry: ProcessRegistry,
    home: Path,
    *,
    database_url: str | None = None,
    ui: bool = False,
    auth_string: str | None = None,
    scheduler: bool = False,
    port: int = 0,
    host: str = LOOPBACK,
    log_path: Path | None = None,
    timeout: float = 240.0,
    wait: bool = True,
) -> PrefectServer:
    """Start the server and (unless `wait=False`) block until /api/health answers.

    `wait=False` returns at once (the caller may say "starting" and then call
    `wait_until_healthy`); the first start on an empty home migrates for tens of seconds.
    """
    home.mkdir(parents=True, exist_ok=True)
    chosen = port or free_port(host)
    base = f"http://{host}:{chosen}"
    api_url = f"{base}/api"
    first = database_url is None and not (home / "prefect.db").exists()
    process = registry.start(
        "Prefect server",
        [*SERVER_START, "--host", host, "--port", str(chosen)],
        server_env(
            home,
            api_url=api_url,
            database_url=database_url,
            ui=ui,
            auth_string=auth_string,
            scheduler=scheduler,
        ),
        log_path or home / "server.log",
    )
    server = PrefectServer(
        url=api_url,
        ui_url=base if ui else None,
        home=home,
        first_start=first,
        process=process,
        auth_string=auth_string,
    )
    if wait:
        wait_until_healthy(server, timeout)
    return server


def wait_until_healthy(server: PrefectServer, timeout: float = 240.0) -> None:
    """Block until the API answers (RuntimeError if it died, TimeoutError if too slow)."""
    server.process.wait_ready(f"{server.url}/health", timeout=timeout)


@contextmanager
def running_prefect_server(
    home: Path | None = None,
    *,
    database_url: str | None = None,
    ui: bool = False,
    auth_string: str | None = None,
    scheduler: bool = False,
    port: int = 0,
    timeout: float = 240.0,
) -> Iterator[PrefectServer]:
    """A Prefect API for the `with` block (home: `home` or a temp dir), always stopped."""
    with tempfile.TemporaryDirectory(prefix="finks-prefect-") as tmp:
        root = home or Path(tmp)
        registry = ProcessRegistry(root / "server.pids.json")
        try:
            yield start_prefect_server(
                registry,
                root,
                database_url=database_url,
                ui=ui,
                auth_string=auth_string,
                scheduler=scheduler,
                port=port,
                timeout=timeout,
            )
        finally:
            registry.stop_all()


def drain_prefect_workers(timeout: float = 15.0) -> None:
    """Ship this process's queued run logs and events now, while the API still answers.

    Prefect sends them from background workers; left for interpreter exit they retry
    against a server that is already gone and stall the exit.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    with contextlib.suppress(Exception):
        APILogWorker.drain_all(timeout=timeout)
    with contextlib.suppress(Exception):
        EventsWorker.drain_all(timeout=timeout)


@contextmanager
def using_prefect_api(
    api_url: str,
    client_home: Path,
    *,
    auth_string: str | None = None,
    log_batch_interval: float | None = None,
) -> Iterator[None]:
    """Point this process's Prefect client at `api_url` for the block (nothing global left)."""
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_LOGGING_TO_API_BATCH_INTERVAL,
        temporary_settings,
    )

    client_home.mkdir(parents=True, exist_ok=True)
    updates: dict[Any, object] = {PREFECT_API_URL: api_url, PREFECT_HOME: str(client_home)}
    if auth_string:
        updates[PREFECT_API_AUTH_STRING] = auth_string
    if log_batch_interval is not None:
        updates[PREFECT_LOGGING_TO_API_BATCH_INTERVAL] = log_batch_interval
    with temporary_settings(updates=updates):
        try:
            yield
        finally:
            drain_prefect_workers()
