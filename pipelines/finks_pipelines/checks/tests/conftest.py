"""Real servers for the checks: moto (the env's account), a Prefect API, a process worker."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from finks_config import Config, load_config
from finks_config.aws import clear_client_cache, client
from finks_deploy import ledger
from finks_local.processes import ManagedProcess, ProcessRegistry, python_env
from finks_pipelines.checks.tests.standin import STANDIN_RECORD
from finks_testing.fixtures import aws_credentials, moto, moto_accounts, moto_server  # noqa: F401
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import PrefectEndpoint, prefect_api, prefect_server  # noqa: F401

DIGEST = "ab" * 32
SHA = "1234567890abcdef1234567890abcdef12345678"
STANDIN_ENTRYPOINT = "finks_pipelines.checks.tests.standin:medallion"
PASSING_RECORD: dict[str, Any] = {
    "stages": [
        {"stage": "ingest", "seconds": 4.0, "rows_read": None, "bytes_read": 2048},
        {"stage": "silver", "seconds": 6.0, "rows_read": 120, "bytes_read": 4096},
        {"stage": "gold", "seconds": 8.0, "rows_read": 240, "bytes_read": 8192},
    ],
    "checks": [{"name": "fct_daily_prices: unique", "ok": True, "detail": "0 duplicates"}],
}


@pytest.fixture(scope="session")
def standin_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file the stand-in flow reads; a test writes what its next run reports."""
    return tmp_path_factory.mktemp("standin") / "record.json"


@pytest.fixture
def report_next_run(standin_record: Path) -> Callable[[dict[str, Any]], None]:
    def write(spec: dict[str, Any]) -> None:
        standin_record.write_text(json.dumps(spec))

    write(PASSING_RECORD)
    return write


def _online(api_url: str, pool: str) -> int:
    """Workers the API reports ONLINE in ``pool`` (0 while the pool does not exist yet)."""
    response = httpx.post(f"{api_url}/work_pools/{pool}/workers/filter", json={}, timeout=10)
    if response.status_code == 404:
        return 0
    response.raise_for_status()
    return sum(1 for worker in response.json() if worker.get("status") == "ONLINE")


@pytest.fixture(scope="session")
def workers(
    prefect_server: PrefectEndpoint,  # noqa: F811
    standin_record: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], ManagedProcess]]:
    """Start a real Prefect process worker on a pool (once per pool per session)."""
    root = tmp_path_factory.mktemp("workers")
    registry = ProcessRegistry(root / "pids.json")
    started: dict[str, ManagedProcess] = {}

    def start(pool: str) -> ManagedProcess:
        if pool in started:
            return started[pool]
        env = python_env(
            {
                "PREFECT_API_URL": prefect_server.url,
                "PREFECT_HOME": str(root / pool),
                STANDIN_RECORD: str(standin_record),
                "PREFECT_WORKER_QUERY_SECONDS": "1",
                "PREFECT_WORKER_HEARTBEAT_SECONDS": "5",
            }
        )
        argv = [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool]
        process = registry.start(
            f"worker {pool}", [*argv, "--type", "process"], env, root / f"{pool}.log"
        )
        deadline = time.monotonic() + 120
        while _online(prefect_server.url, pool) < 1:
            if not process.running() or time.monotonic() > deadline:
                raise RuntimeError(f"worker for {pool} did not come online:\n{process.log_tail()}")
            time.sleep(0.5)
        started[pool] = process
        return process

    try:
        yield start
    finally:
        registry.stop_all()


@pytest.fixture
def env_config(
    moto: MotoEndpoint,  # noqa: F811
    prefect_api: PrefectEndpoint,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str], Config]:
    """A deployed env's Config on this test's servers, its buckets created (as the stack does)."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    clear_client_cache()

    def make(env: str) -> Config:
        overrides = {"AWS_ENDPOINT_URL": moto.url, "PREFECT_API_URL": prefect_api.url}
        monkeypatch.setenv(f"FINKS_{env.upper()}_AWS_ENDPOINT_URL", moto.url)
        config = load_config("pipelines/config", env, overrides)
        s3: Any = client(config, "s3")
        for bucket in config.buckets:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": config.aws_region}
            )
        return config

    return make


def record_deploy(config: Config, digest: str = DIGEST, sha: str = SHA) -> None:
    """The ledger entry a pipelines deploy leaves (what the smoke check compares with)."""
    ledger.record(
        config,
        ledger.LedgerRecord(
            project="pipelines",
            environment=config.environment.value,
            sha=sha,
            version=sha[:12],
            status="ok",
            actor="test",
            artifacts={"worker.pex": {"sha256": digest, "size": 1, "key": "k"}},
        ),
    )


def deploy_flows(
    config: Config,
    *,
    digest: str = DIGEST,
    cron: str | None = None,
    zone: str = "America/New_York",
    bases: tuple[str, ...] = ("ingest-fmp", "transform", "medallion"),
) -> None:
    """Deployments as the pipelines deploy creates them: env-named, tagged with the digest.

    medallion runs the stand-in flow on the env's work pool; the others are never run.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule

    with get_client(sync_client=True) as prefect:
        for base in bases:
            flow_id = prefect.create_flow_from_name(base)
            schedules = (
                [DeploymentScheduleCreate(schedule=CronSchedule(cron=cron, timezone=zone))]
                if cron and base == "medallion"
                else []
            )
            prefect.create_deployment(
                flow_id=flow_id,
                name=config.deployment_name(base),
                entrypoint=STANDIN_ENTRYPOINT,
                work_pool_name=config.prefect_work_pool,
                parameters={"env": config.environment.value},
                tags=[f"artifact:worker.pex:sha256:{digest}"],
                version=SHA[:12],
                schedules=schedules,
            )
