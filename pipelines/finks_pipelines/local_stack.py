"""The embedded `local` platform: S3 (moto), FMP (local server) and a Prefect API on loopback.

Everything lives under one state directory (default `.finks/local/`, or
`FINKS_LOCAL_DIR`): the Prefect home with its SQLite database (kept, so a second
run skips the migrations), a mirror of the bronze and artifacts buckets (moto keeps
objects in memory; the mirror restores them on the next start, so ingestion can
skip what it already has), the DuckDB warehouse, and the servers' logs. Servers
bind free loopback ports; children are reaped on exit, on Ctrl-C/SIGTERM, and by
the next run if this one was killed (see `processes`).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finks_config import Config, Environment, load_config, repo_root
from finks_config.aws import client
from finks_pipelines.processes import ProcessRegistry, python_env, terminate_on_signals
from finks_pipelines.settings import PROJECT_CONFIG_DIR

LOCAL_DIR_ENV = "FINKS_LOCAL_DIR"
PREFECT_SERVER = (sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1")
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
    def work(self) -> Path:
        return self.root / "work"

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
    fmp_url: str
    prefect_url: str
    overrides: dict[str, str] = field(default_factory=dict)
    restored_objects: int = 0

    def config(self, config_dir: str = PROJECT_CONFIG_DIR) -> Config:
        return load_config(config_dir, Environment.LOCAL, self.overrides)


# Buckets whose objects persist between runs (silver/gold live in the DuckDB file).
def _persisted_buckets(config: Config) -> tuple[str, ...]:
    return (config.bronze_bucket, config.artifacts_bucket)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout: float, alive: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, OSError):
            pass
        if not alive():
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise RuntimeError(f"{what} exited during start-up; last output:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not answer at {url} within {timeout:.0f}s (log: {log})")
        time.sleep(0.2)


def prefect_server_env(home: Path) -> dict[str, str]:
    """Settings of the local Prefect server: SQLite under `home`, no UI, no telemetry."""
    return python_env(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        }
    )


@contextmanager
def running_local_stack(paths: LocalPaths, say: Say) -> Iterator[LocalStack]:
    """Start the local platform, yield it, and always stop it (and persist bronze)."""
    from finks_ingestion.local_fmp import LocalFmpServer

    paths.root.mkdir(parents=True, exist_ok=True)
    registry = ProcessRegistry(paths.pid_file)
    registry.reap_stale(say)
    with ExitStack() as stack:
        stack.enter_context(terminate_on_signals())
        stack.callback(registry.stop_all)

        moto_port, prefect_port = _free_port(), _free_port()
        moto = registry.start(
            "moto S3 server",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
            python_env(),
            paths.logs / "moto.log",
        )
        first_run = not (paths.prefect_home / "prefect.db").exists()
        prefect = registry.start(
            "Prefect server",
            [*PREFECT_SERVER, "--port", str(prefect_port)],
            prefect_server_env(paths.prefect_home),
            paths.logs / "prefect-server.log",
        )
        fmp = LocalFmpServer(host="127.0.0.1", port=0).start()
        stack.callback(fmp.stop)
        say(f"local FMP server on {fmp.url}")

        moto_url = f"http://127.0.0.1:{moto_port}"
        _wait_http(f"{moto_url}/moto-api/", 60, moto.running, "moto server", moto.log_path)
        say(f"moto S3 server on {moto_url} (pid {moto.pid})")

        prefect_url = f"http://127.0.0.1:{prefect_port}/api"
        say(
            "Prefect API starting"
            + (" (first run: creating its database, ~10-60 s)" if first_run else " (database kept)")
        )
        started = time.monotonic()
        _wait_http(
            f"{prefect_url}/health", 240, prefect.running, "Prefect server", prefect.log_path
        )
        say(
            f"Prefect API on {prefect_url} (pid {prefect.pid},"
            f" ready in {time.monotonic() - started:.1f}s)"
        )

        local = LocalStack(
            paths=paths,
            moto_url=moto_url,
            fmp_url=fmp.url,
            prefect_url=prefect_url,
            overrides={
                "AWS_ENDPOINT_URL": moto_url,
                "FMP_BASE_URL": fmp.url,
                "PREFECT_API_URL": prefect_url,
                "DBT_DUCKDB_PATH": str(paths.warehouse),
                "DBT_WORK_DIR": str(paths.root / "dbt"),
            },
        )
        config = local.config()
        create_buckets(config, say)
        local.restored_objects = restore_buckets(config, paths.s3_mirror, say)
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


MANIFEST = "manifest.json"


def _manifest_path(mirror: Path, bucket: str) -> Path:
    return mirror / f"{bucket}.{MANIFEST}"


def _read_manifest(mirror: Path, bucket: str) -> dict[str, dict[str, Any]]:
    path = _manifest_path(mirror, bucket)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def restore_buckets(config: Config, mirror: Path, say: Say) -> int:
    """Put the mirrored objects (with their metadata) back into the fresh local S3."""
    s3: Any = client(config, "s3")
    jobs: list[tuple[str, str, Path, dict[str, str]]] = []
    for bucket in _persisted_buckets(config):
        base = mirror / bucket
        for key, entry in _read_manifest(mirror, bucket).items():
            path = base / key
            if path.is_file():
                jobs.append((bucket, key, path, dict(entry.get("metadata", {}))))
    if not jobs:
        return 0

    def put(job: tuple[str, str, Path, dict[str, str]]) -> None:
        bucket, key, path, metadata = job
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=metadata)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, jobs))
    say(f"restored {len(jobs)} objects from {mirror}")
    return len(jobs)


def persist_buckets(config: Config, mirror: Path) -> tuple[int, int]:
    """Mirror the persisted buckets to disk (bodies + a manifest of metadata).

    Only new or changed objects are downloaded; objects gone from the bucket are
    dropped from the mirror.
    """
    s3: Any = client(config, "s3")
    written = removed = 0
    for bucket in _persisted_buckets(config):
        base = mirror / bucket
        old = _read_manifest(mirror, bucket)
        new: dict[str, dict[str, Any]] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"].strip('"')
                path = base / key
                if old.get(key, {}).get("etag") == etag and path.is_file():
                    new[key] = old[key]
                    continue
                got = s3.get_object(Bucket=bucket, Key=key)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(got["Body"].read())
                new[key] = {"etag": etag, "metadata": got.get("Metadata", {})}
                written += 1
        for key in set(old) - set(new):
            (base / key).unlink(missing_ok=True)
            removed += 1
        mirror.mkdir(parents=True, exist_ok=True)
        _manifest_path(mirror, bucket).write_text(json.dumps(new, indent=1, sort_keys=True))
    return written, removed


def _persist_quietly(
    config: Config, mirror: Path, moto_alive: Callable[[], bool], say: Say
) -> None:
    if not moto_alive():
        return
    try:
        written, removed = persist_buckets(config, mirror)
        say(f"saved local S3 state to {mirror} ({written} new/changed, {removed} removed)")
    except Exception as error:  # never mask the run's own outcome
        say(f"warning: could not save local S3 state: {type(error).__name__}: {error}")
