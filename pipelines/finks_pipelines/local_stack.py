"""The embedded `local` platform: S3 (moto), FMP (local server) and a Prefect API on loopback.

Everything lives under one state directory (default `.finks/local/`, or
`FINKS_LOCAL_DIR`, or `--state-dir`): the Prefect home with its SQLite database (kept,
so a second run skips the migrations), a mirror of the bronze and artifacts buckets
(moto keeps objects in memory; the mirror restores them on the next start, so
ingestion's watermarks and the deploy ledger survive), the DuckDB warehouse, and the
servers' logs. One run holds the directory at a time (`finks_local.state`); the
servers come from `finks_local` and never outlive this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from finks_config import Config, Environment, load_config, repo_root
from finks_config.aws import client
from finks_local.fmp import LOCAL_FMP_API_KEY, LocalFmpServer
from finks_local.moto import start_moto
from finks_local.prefect import start_prefect_server, wait_until_healthy
from finks_local.processes import ProcessRegistry, terminate_on_signals
from finks_local.s3mirror import persist_buckets, restore_buckets
from finks_local.state import hold_state_dir
from finks_pipelines.settings import PROJECT_CONFIG_DIR

LOCAL_DIR_ENV = "FINKS_LOCAL_DIR"
Say = Callable[[str], None]


@dataclass(frozen=True)
class LocalPaths:
    """Where the local platform keeps its state."""

    root: Path

    @property
    def prefect_home(self) -> Path:
        return self.root / "prefect"

    @property
    def s3_mirror(self) -> Path:
        return self.root / "s3"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pid_file(self) -> Path:
        return self.root / "stack.pids.json"


def local_paths(state_dir: str | Path | None = None) -> LocalPaths:
    """`state_dir`, else $FINKS_LOCAL_DIR, else `<repo>/.finks/local`."""
    chosen = state_dir or os.environ.get(LOCAL_DIR_ENV)
    root = Path(chosen) if chosen else repo_root() / ".finks" / "local"
    return LocalPaths(root.resolve())


@dataclass
class LocalStack:
    """A running local platform: endpoints, and the config overrides that point at them."""

    paths: LocalPaths
    moto_url: str
    fmp: LocalFmpServer
    prefect_url: str
    prefect_ui_url: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    restored_objects: int = 0

    def config(self, config_dir: str = PROJECT_CONFIG_DIR) -> Config:
        return load_config(config_dir, Environment.LOCAL, self.overrides)


def stack_overrides(
    paths: LocalPaths, moto_url: str, fmp_url: str, prefect_url: str
) -> dict[str, str]:
    """Config overrides that point `local` at the stack's servers and files.

    The FMP key is the local server's stand-in (ingestion never imports finks_local).
    """
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "FMP_BASE_URL": fmp_url,
        "FINKS_SECRET_FMP_API_KEY": LOCAL_FMP_API_KEY,
        "PREFECT_API_URL": prefect_url,
        "DBT_DUCKDB_PATH": str(paths.warehouse),
        "DBT_WORK_DIR": str(paths.root / "dbt"),
    }


# Buckets whose objects persist between runs (silver/gold live in the DuckDB file).
def _persisted_buckets(config: Config) -> tuple[str, ...]:
    return (config.bronze_bucket, config.artifacts_bucket)


@contextmanager
def running_local_stack(
    paths: LocalPaths,
    say: Say,
    *,
    as_of: date,
    ui: bool = False,
    wait: float = 0.0,
    command: str = "pipelines:deploy --env local",
    persist: bool = True,
) -> Iterator[LocalStack]:
    """Hold the state dir, start the platform, yield it, and always stop it (bronze kept).

    `as_of` is the FMP server's today (move it with `stack.fmp.as_of = day`); `ui` serves
    the Prefect UI (`--serve`); `wait`: seconds to wait for another run holding the
    state directory before `finks_local.state.StateDirBusy`; `persist=False` (a throwaway
    state dir, e.g. a benchmark's) skips saving the buckets to the mirror at exit.
    """
    with ExitStack() as stack:
        stack.enter_context(terminate_on_signals())
        stack.enter_context(hold_state_dir(paths.root, command=command, wait=wait, say=say))
        registry = ProcessRegistry(paths.pid_file)
        registry.reap_stale(say)
        stack.callback(registry.stop_all)

        moto = start_moto(registry, log_path=paths.logs / "moto.log", name="moto S3 server")
        say(f"moto S3 server on {moto.url} (pid {moto.pid})")
        prefect = start_prefect_server(
            registry,
            paths.prefect_home,
            ui=ui,
            log_path=paths.logs / "prefect-server.log",
            wait=False,
        )
        say(
            "Prefect API starting"
            + (
                " (first run: creating its database, ~10-60 s)"
                if prefect.first_start
                else " (database kept)"
            )
        )
        fmp = stack.enter_context(LocalFmpServer(host="127.0.0.1", port=0, as_of=as_of))
        say(f"local FMP server on {fmp.url} (data up to {as_of})")
        wait_until_healthy(prefect)
        say(f"Prefect API on {prefect.url} (pid {prefect.pid})")
        if prefect.ui_url:
            say(f"Prefect UI on {prefect.ui_url}")

        local = LocalStack(
            paths=paths,
            moto_url=moto.url,
            fmp=fmp,
            prefect_url=prefect.url,
            prefect_ui_url=prefect.ui_url,
            overrides=stack_overrides(paths, moto.url, str(fmp.url), prefect.url),
        )
        config = local.config()
        create_buckets(config, say)
        s3: Any = client(config, "s3")
        local.restored_objects = restore_buckets(s3, _persisted_buckets(config), paths.s3_mirror)
        if local.restored_objects:
            say(f"restored {local.restored_objects} objects from {paths.s3_mirror}")
        if persist:
            stack.callback(_persist_quietly, config, paths.s3_mirror, moto.running, say)
        yield local


def create_buckets(config: Config, say: Say) -> None:
    """The environment's buckets (bronze, silver, gold, artifacts) on the local S3."""
    s3: Any = client(config, "s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in config.buckets:
        if bucket in existing:
            continue
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if config.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": config.aws_region}
        s3.create_bucket(**kwargs)
    say(f"buckets ready: {', '.join(config.buckets)}")


def _persist_quietly(
    config: Config, mirror: Path, moto_alive: Callable[[], bool], say: Say
) -> None:
    if not moto_alive():
        return
    try:
        written, removed = persist_buckets(client(config, "s3"), _persisted_buckets(config), mirror)
        say(f"saved local S3 state to {mirror} ({written} new/changed, {removed} removed)")
    except Exception as error:  # never mask the run's own outcome
        say(f"warning: could not save local S3 state: {type(error).__name__}: {error}")
