"""The local main job: deploy to the embedded stack, run `medallion-local` once, summarise gold.

Why run in-process: the run is created from the `medallion-local` deployment on the
local Prefect API (so it is a real deployment run, visible with its task runs and
logs), but executed here instead of by a worker subprocess: no extra interpreter
start-up, and Ctrl-C stops it together with the stack.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import Flow

from finks_config import Config
from finks_pipelines import gold
from finks_pipelines.deployments import prefect_client
from finks_pipelines.flows import MEDALLION, for_env
from finks_pipelines.local_stack import LocalStack

Say = Callable[[str], None]


class RunFailed(RuntimeError):
    """The medallion run ended in a non-completed state."""


@dataclass(frozen=True)
class LocalRunResult:
    flow_run_name: str
    state: str
    elapsed: float
    result: dict[str, Any]


def drain_prefect_workers(timeout: float = 15.0) -> None:
    """Ship queued run logs/events now, while the local API still answers."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=timeout)
    EventsWorker.drain_all(timeout=timeout)


@contextmanager
def using_local_prefect(stack: LocalStack) -> Iterator[None]:
    """Point this process's Prefect client at the stack's API (client files under the state dir)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    home = stack.paths.root / "prefect-client"
    home.mkdir(parents=True, exist_ok=True)
    with temporary_settings(updates={PREFECT_API_URL: stack.prefect_url, PREFECT_HOME: str(home)}):
        try:
            yield
        finally:
            drain_prefect_workers()


def run_medallion(
    config: Config,
    stack: LocalStack,
    say: Say,
    *,
    symbols: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> LocalRunResult:
    """Create a run of the `medallion-local` deployment and execute it here."""
    from prefect.flow_engine import run_flow
    from prefect.flows import load_flow_from_entrypoint

    deployment_name = f"{config.flow_name(MEDALLION)}/{config.environment.value}"
    parameters: dict[str, Any] = {"env": config.environment.value, "overrides": stack.overrides}
    if symbols:
        parameters["symbols"] = symbols
    if start:
        parameters["start"] = start
    if end:
        parameters["end"] = end
    with using_local_prefect(stack):
        with prefect_client(stack.prefect_url) as client:
            deployment = client.read_deployment_by_name(deployment_name)
            flow_run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        say(f"flow run {flow_run.name} of deployment {deployment_name} (id {flow_run.id})")
        flow_obj: Flow[..., Any] = for_env(
            load_flow_from_entrypoint(str(deployment.entrypoint)), config
        )
        started = time.monotonic()
        state: Any = run_flow(flow_obj, flow_run=flow_run, return_type="state")
        elapsed = time.monotonic() - started
    if not state.is_completed():
        raise RunFailed(
            f"{deployment_name} run {flow_run.name} ended {state.name}: {state.message}"
        )
    return LocalRunResult(flow_run.name, state.name, elapsed, state.result())


def gold_summary(
    stack: LocalStack, config: Config, window: tuple[str, str] | None = None
) -> list[str]:
    """The printed summary: rows per mart, date range, symbols, checks, and where outputs are."""
    from datetime import date

    report = gold.inspect_gold(
        gold.duckdb_query(stack.paths.warehouse),
        config.analytics_database,
        window=(date.fromisoformat(window[0]), date.fromisoformat(window[1])) if window else None,
    )
    lines = gold.format_summary(report)
    lines.append(f"  warehouse (DuckDB): {_show(stack.paths.warehouse)}")
    lines.append(f"  bronze objects:     {_show(stack.paths.s3_mirror / config.bronze_bucket)}")
    lines.append(f"  Prefect database:   {_show(stack.paths.prefect_home / 'prefect.db')}")
    lines.append(
        f"  query it:           duckdb {_show(stack.paths.warehouse)} "
        f'"select * from {config.analytics_database}.fct_daily_prices limit 5"'
    )
    return lines


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
