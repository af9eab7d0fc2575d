"""The local main job: a run of deployment `medallion/medallion-local`, then a gold summary.

Why run in-process: the run is created from the deployment on the local Prefect API
(so it is a real deployment run, visible with its task runs and logs), but executed
here instead of by a worker subprocess: no extra interpreter start-up, and Ctrl-C
stops it together with the stack. The run's date is an input (`as_of`), so the job
can be replayed for any day.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from finks_config import Config
from finks_local.prefect import using_prefect_api
from finks_pipelines import gold, quality
from finks_pipelines.flows import MEDALLION
from finks_pipelines.local_stack import LocalStack, local_paths

Say = Callable[[str], None]


class RunFailed(RuntimeError):
    """The medallion run ended in a non-completed state."""


@dataclass(frozen=True)
class LocalRunResult:
    flow_run_id: str
    flow_run_name: str
    state: str
    elapsed: float
    result: dict[str, Any]


def run_medallion(
    config: Config,
    stack: LocalStack,
    say: Say,
    *,
    as_of: date,
    symbols: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LocalRunResult:
    """Create a run of `medallion/medallion-local` for `as_of` and execute it here."""
    from prefect import get_client
    from prefect.flow_engine import run_flow
    from prefect.flows import load_flow_from_entrypoint

    deployment_name = f"{MEDALLION}/{config.deployment_name(MEDALLION)}"
    parameters: dict[str, Any] = {
        "env": config.environment.value,
        "as_of": as_of.isoformat(),
        "overrides": stack.overrides,
    }
    if symbols:
        parameters["symbols"] = [s.upper() for s in symbols]
    if full_refresh:
        parameters["full_refresh"] = True
    with using_prefect_api(stack.prefect_url, stack.paths.root / "prefect-client"):
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name(deployment_name)
            flow_run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        flow_obj = load_flow_from_entrypoint(str(deployment.entrypoint))
        started = time.monotonic()
        state: Any = run_flow(flow_obj, flow_run=flow_run, return_type="state")
        elapsed = time.monotonic() - started
        with get_client(sync_client=True) as client:
            name = client.read_flow_run(flow_run.id).name
    say(f"flow run {name} of deployment {deployment_name} (id {flow_run.id})")
    if not state.is_completed():
        raise RunFailed(f"{deployment_name} run {name} ended {state.name}: {state.message}")
    return LocalRunResult(str(flow_run.id), name, state.name, elapsed, state.result())


def gold_summary(
    stack: LocalStack, config: Config, *, as_of: date, symbols: Sequence[str] = ()
) -> list[str]:
    """The printed summary: rows per mart, date range, symbols, checks, and where outputs are."""
    report = quality.inspect_gold(
        gold.duckdb_query(stack.paths.warehouse),
        config.analytics_database,
        as_of=as_of,
        symbols=[s.upper() for s in symbols],
    )
    lines = report.summary_lines()
    lines.append(f"  warehouse (DuckDB): {_show(stack.paths.warehouse)}")
    lines.append(f"  bronze objects:     {_show(stack.paths.s3_mirror / config.bronze_bucket)}")
    lines.append(f"  Prefect database:   {_show(stack.paths.prefect_home / 'prefect.db')}")
    state = "" if stack.paths == local_paths() else f" --state-dir {_show(stack.paths.root)}"
    lines.append(
        f"  query it:           ./pants run pipelines:warehouse --{state}"
        ' "select * from fct_daily_prices limit 5"'
    )
    return lines


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
