"""The flows against a real Prefect API, moto S3, the local FMP server and DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import State, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
    TaskRunFilter,
)
from prefect.flow_engine import run_flow
from prefect.states import Scheduled

from finks_config import load_config
from finks_deploy.lock import LockHeldError, current_holder, named_lock
from finks_local.fmp import LocalFmpServer
from finks_local.processes import python_env
from finks_pipelines.flows import ingest_fmp, medallion, transform
from finks_pipelines.limits import RateLimitSpec, apply_rate_limit
from finks_pipelines.tests.conftest import AS_OF
from finks_testing.fixtures import FMP_AS_OF
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import PrefectEndpoint


def _runs(root: UUID) -> tuple[dict[str, tuple[str, str]], list[str], list[UUID]]:
    """(flow name -> (run name, state) for the run and its subflows, task names, run ids)."""
    with get_client(sync_client=True) as client:
        top = client.read_flow_run(root)
        subs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[root])
            )
        )
        runs = [top, *subs]
        names = {
            client.read_flow(r.flow_id).name: (r.name, str(r.state_name).upper()) for r in runs
        }
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id={"any_": [r.id for r in runs]})  # type: ignore[arg-type]
        )
    return names, sorted(t.name for t in tasks), [r.id for r in runs]


def _logs(run_ids: list[UUID]) -> list[str]:
    from finks_local.prefect import drain_prefect_workers

    drain_prefect_workers()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=run_ids)), limit=200
        )
    return [log.message for log in logs]


def test_medallion_runs_bronze_to_gold_with_checks_and_env_in_names_and_logs(
    prefect_api: PrefectEndpoint,
    local_overrides: dict[str, str],
    local_rate_limit: str,
    moto: MotoEndpoint,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state: State[Any] = medallion(
        env="local",
        as_of=AS_OF,
        symbols=["AAPL", "JPM"],
        overrides=local_overrides,
        return_state=True,
    )
    assert state.is_completed(), state.message
    result: dict[str, Any] = state.result()  # type: ignore[assignment]
    assert result["as_of"] == AS_OF and result["ingest"]["records_written"] > 0
    assert result["silver"]["models"] == 3 and result["gold"]["models"] == 4
    quality = result["quality"]
    assert quality["ok"] and quality["symbols"] == ["AAPL", "JPM"]
    assert quality["rows"]["fct_daily_prices"] > 0
    assert quality["run"].startswith(f"medallion-local-{AS_OF} (")

    s3: Any = moto.raw_client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="local-bronze-zone")["Contents"]]
    assert any(k.startswith(f"fmp/prices/ingest_date={AS_OF}/symbol=JPM/") for k in keys)

    # Static flow names; the environment and the as-of date are in the run names.
    flows, tasks, run_ids = _runs(state.state_details.flow_run_id)
    assert flows == {
        "medallion": (f"medallion-local-{AS_OF}", "COMPLETED"),
        "ingest-fmp": (f"ingest-fmp-local-{AS_OF}", "COMPLETED"),
        "transform": (f"transform-local-{AS_OF}", "COMPLETED"),
    }
    assert "ingest-AAPL..JPM" in tasks  # one task per batch of symbols, all datasets
    assert "dbt-build-silver" in tasks and "dbt-build-gold" in tasks
    assert any(t.startswith("gold-checks") for t in tasks)

    # Every line the pipeline writes to the run's log carries the [LOCAL] indicator.
    phrases = (
        "ingest ",
        "ingested ",
        "dbt build",
        "gold data checks",
        "warehouse lock",
        "rate limit",
    )
    ours = [m for m in _logs(run_ids) if any(p in m for p in phrases)]
    assert any(m.startswith("[LOCAL] ingest 2 symbol(s)") for m in ours), ours
    assert any(m.startswith("[LOCAL] dbt build --select tag:gold") for m in ours), ours
    assert any(m.startswith("[LOCAL] gold data checks 20/20 passed") for m in ours), ours
    assert any(m.startswith("[LOCAL] holding the warehouse lock") for m in ours), ours
    assert all(m.startswith("[LOCAL] ") for m in ours), ours

    # The run's stage metrics and check results are published on it (read by report/checks).
    root = state.state_details.flow_run_id
    keys = ["medallion-stages-local", "gold-checks-local"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
        )
    assert sorted(a.key for a in artifacts if a.flow_run_id == root) == sorted(keys)

    out = capsys.readouterr().out
    assert f"[LOCAL] Pipeline completed: medallion-local-{AS_OF} ok - 2 symbols" in out


def test_as_of_defaults_to_the_runs_scheduled_day_in_the_schedule_zone(
    prefect_api: PrefectEndpoint, local_overrides: dict[str, str]
) -> None:
    # Scheduled for 22:30 UTC on Nov 20 (17:30 in New York); started whenever a worker is free.
    scheduled = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    params = {
        "env": "local",
        "symbols": ["MSFT"],
        "datasets": ["profiles"],
        "overrides": local_overrides,
    }
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run(
            ingest_fmp, parameters=params, state=Scheduled(scheduled_time=scheduled)
        )
    state: Any = run_flow(ingest_fmp, flow_run=flow_run, parameters=params, return_type="state")
    assert state.is_completed(), state.message
    assert state.result()["as_of"] == "2026-11-20"
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(flow_run.id).name == "ingest-fmp-local-2026-11-20"


def test_ingest_retries_through_a_flaky_api(
    prefect_api: PrefectEndpoint, local_overrides: dict[str, str]
) -> None:
    # Every request fails twice (429, 500) before it succeeds.
    with LocalFmpServer(
        fault_rate=1.0,
        faults=("429", "500"),
        max_consecutive_faults=2,
        retry_after_seconds=0,
        as_of=FMP_AS_OF,
    ) as flaky:
        overrides = {**local_overrides, "FMP_BASE_URL": flaky.url, "FMP_BACKOFF_BASE_SECONDS": "0"}
        result: dict[str, Any] = ingest_fmp(
            env="local",
            as_of=AS_OF,
            symbols=["MSFT"],
            datasets=["prices", "profiles"],
            overrides=overrides,
        )
    assert result["retries"] == 4
    assert flaky.stats["fault_429"] + flaky.stats["fault_500"] == 4
    assert result["tasks"] == 1 and result["records_written"] > 0  # one batch, both datasets


def test_a_failed_stage_fails_the_run_and_notifies(
    prefect_api: PrefectEndpoint,
    local_overrides: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    overrides = {
        **local_overrides,
        "FMP_BASE_URL": "http://127.0.0.1:9",  # nothing listens on the discard port
        "FMP_MAX_RETRIES": "0",
        "PIPELINE_TASK_RETRIES": "0",
    }
    state: State[Any] = medallion(
        env="local", as_of=AS_OF, symbols=["AAPL"], overrides=overrides, return_state=True
    )
    assert state.is_failed()
    out = capsys.readouterr().out
    assert f"[LOCAL] Pipeline completed: medallion-local-{AS_OF} FAILED at ingest" in out
    flows, _tasks, _ids = _runs(state.state_details.flow_run_id)
    assert flows["ingest-fmp"][1] == "FAILED"
    assert "transform" not in flows


def test_rerunning_a_day_fetches_nothing(
    prefect_api: PrefectEndpoint, local_overrides: dict[str, str], local_rate_limit: str
) -> None:
    kwargs: dict[str, Any] = {
        "env": "local",
        "as_of": AS_OF,
        "symbols": ["GS"],
        "overrides": local_overrides,
    }
    first = ingest_fmp(**kwargs)
    assert first["requests"] > 0 and first["objects_written"] > 0
    second = ingest_fmp(**kwargs)
    assert (second["requests"], second["objects_written"]) == (0, 0)
    assert second["up_to_date"] == 3  # prices, profiles, income


def test_transform_takes_the_warehouse_lock_a_dbt_deploy_holds(
    prefect_api: PrefectEndpoint, local_overrides: dict[str, str]
) -> None:
    ingest_fmp(env="local", as_of=AS_OF, symbols=["XOM"], overrides=local_overrides)
    config = load_config("pipelines/config", "local", local_overrides)
    waiting = {**local_overrides, "PIPELINE_WAREHOUSE_LOCK_TIMEOUT_SECONDS": "1"}
    with named_lock(config, "warehouse", holder="dbt deploy of abc123", timeout=5):
        state: State[Any] = transform(
            env="local", as_of=AS_OF, overrides=waiting, return_state=True
        )
    assert state.is_failed()
    with pytest.raises(LockHeldError, match="dbt deploy of abc123"):
        state.result()

    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            holder = current_holder(config, "warehouse")
            if holder:
                seen.append(str(holder.get("holder")))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = transform(env="local", as_of=AS_OF, overrides=local_overrides)
    finally:
        done.set()
        watcher.join()
    assert result["gold"]["models"] == 4
    assert f"transform transform-local-{AS_OF}" in seen
    assert current_holder(config, "warehouse") is None


class _Stamping:
    """A loopback proxy in front of the FMP server that records when each request arrives."""

    def __init__(self, target: str) -> None:
        self.times: list[float] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.times.append(time.monotonic())
                try:
                    with urllib.request.urlopen(target + self.path, timeout=30) as resp:
                        status, body = resp.status, resp.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def busiest(self, window: float) -> int:
        """The most requests that arrived within any `window` seconds."""
        t = sorted(self.times)
        return max((sum(1 for x in t[i:] if x - s < window) for i, s in enumerate(t)), default=0)


@pytest.fixture
def stamping(fmp_server: LocalFmpServer) -> Iterator[_Stamping]:
    proxy = _Stamping(fmp_server.url)
    yield proxy
    proxy.server.shutdown()
    proxy.server.server_close()


RUN_INGEST = """
import json, sys
from finks_pipelines.flows import ingest_fmp
args = json.loads(sys.argv[1])
state = ingest_fmp(return_state=True, **args)
sys.exit(0 if state.is_completed() else 1)
"""


def test_one_rate_limit_is_shared_by_concurrent_processes(
    prefect_api: PrefectEndpoint,
    local_overrides: dict[str, str],
    stamping: _Stamping,
    tmp_path: Path,
) -> None:
    # 1 request/second for the whole environment, burst 1; each process alone would go at
    # ingestion's per-process default (hundreds per minute).
    with get_client(sync_client=True) as client:
        apply_rate_limit(client, RateLimitSpec("fmp-requests-local", 1, 1.0))
    overrides = {**local_overrides, "FMP_BASE_URL": stamping.url}
    env = python_env({"PREFECT_API_URL": prefect_api.url, "PREFECT_HOME": str(tmp_path / "client")})
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RUN_INGEST,
                json.dumps(
                    {
                        "env": "local",
                        "as_of": AS_OF,
                        "symbols": symbols,
                        "datasets": ["profiles"],
                        "overrides": overrides,
                    }
                ),
            ],
            env=env,
        )
        for symbols in (["AAPL", "MSFT", "NVDA", "GOOGL"], ["JNJ", "PFE", "UNH", "BAC"])
    ]
    try:
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
        with get_client(sync_client=True) as client:  # the local default again for other tests
            client.delete_global_concurrency_limit_by_name("fmp-requests-local")
    assert codes == [0, 0]
    assert len(stamping.times) == 8
    # With 1 slot decaying at 1/s, any 2 s hold at most 1 + 2 requests; 8 need >= 7 s.
    assert stamping.busiest(2.0) <= 3, sorted(stamping.times)
    assert max(stamping.times) - min(stamping.times) >= 6.0
