"""The Prefect flows `ingest-fmp`, `transform` and `medallion`: static names, env as input.

Flows are thin: they decide what to run (symbols, datasets, stages) from the pipelines
config and hand the work to tasks. The environment is a run input (the `env`
parameter, which each env's deployment `{base}-{env}` sets), never the module's
import-time state, and so is the run's business date (`as_of`). Flow run names carry
both: `medallion-staging-2026-12-01`. Every parameter is JSON so a deployment can
carry it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from prefect import Flow, flow
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from finks_config import Config
from finks_pipelines import tasks
from finks_pipelines.settings import default_as_of, load_settings, local_date, pipelines_config

INGEST = "ingest-fmp"
TRANSFORM = "transform"
MEDALLION = "medallion"
FLOW_BASES = (INGEST, TRANSFORM, MEDALLION)
STAGES = ("silver", "gold")


def resolve_as_of(as_of: str | date | None, config: Config) -> date:
    """The run's business date: given, else the run's scheduled start day in the schedule's zone.

    A scheduled run that starts late (a busy worker, a retry next morning) still
    processes the day it was scheduled for; an ad-hoc run's scheduled start is now.
    Outside a run (a direct call), today.
    """
    if as_of:
        try:
            return date.fromisoformat(str(as_of)[:10])
        except ValueError:
            raise ValueError(f"as_of must be an ISO date YYYY-MM-DD, got {as_of!r}") from None
    context = FlowRunContext.get()
    started = context.flow_run.expected_start_time if context and context.flow_run else None
    return local_date(started, config) if started else default_as_of(config)


def run_name(base: str) -> Callable[[], str]:
    """Prefect `flow_run_name`: `{base}-{env}-{as_of}` from the run's own parameters."""

    def name() -> str:
        context = FlowRunContext.get()
        params: dict[str, Any] = dict(context.parameters) if context else {}
        config = pipelines_config(params.get("env"), params.get("overrides"))
        day = resolve_as_of(params.get("as_of"), config)
        return f"{config.deployment_name(base)}-{day.isoformat()}"

    return name


def _batches(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@flow(
    name=INGEST,
    flow_run_name=run_name(INGEST),
    task_runner=ThreadPoolTaskRunner(max_workers=8),
    log_prints=False,
)
def ingest_fmp(
    env: str | None = None,
    as_of: str | None = None,
    symbols: list[str] | None = None,
    datasets: list[str] | None = None,
    overrides: dict[str, str] | None = None,
    backfill_from: str | None = None,
    full_refresh: bool = False,
) -> dict[str, Any]:
    """FMP -> bronze, incremental: one retried task per batch of symbols, all datasets.

    A batch's task owns its symbols' watermark objects (one per symbol), so no two
    tasks of a run write the same object.
    """
    config = pipelines_config(env, overrides)
    settings = load_settings(config)
    env_name = config.environment.value
    day = resolve_as_of(as_of, config).isoformat()
    chosen = [s.upper() for s in (symbols or settings.pipeline_symbols)]
    sets = list(datasets or settings.pipeline_datasets)
    slots = tasks.rate_limit_batch(config)
    tasks.say(config, f"ingest {len(chosen)} symbol(s) x {sets} as of {day}")
    started = time.monotonic()
    job = tasks.ingest_task.with_options(
        retries=settings.pipeline_task_retries,
        retry_delay_seconds=settings.pipeline_task_retry_delay_seconds,
    )
    plan = _batches(chosen, settings.pipeline_symbols_per_task)
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    step = settings.pipeline_max_parallel_tasks
    for i in range(0, len(plan), step):
        wave: list[PrefectFuture[dict[str, Any]]] = [
            job.with_options(task_run_name=tasks.ingest_run_name(batch)).submit(
                env_name, overrides, batch, sets, day, backfill_from, full_refresh, slots
            )
            for batch in plan[i : i + step]
        ]
        for batch, future in zip(plan[i : i + step], wave, strict=True):
            future.wait()
            if future.state.is_completed():
                results.append(future.result())
            else:
                label = tasks.ingest_run_name(batch)
                failures.append(f"{label}: {future.state.message or future.state.name}")
        tasks.say(config, f"ingested {min(i + step, len(plan))}/{len(plan)} batches")
    summary = tasks.sum_ingest(results)
    summary.update(
        as_of=day,
        symbols=chosen,
        datasets=sets,
        tasks=len(plan),
        elapsed=round(time.monotonic() - started, 3),
    )
    tasks.say(
        config,
        f"ingest done: {summary['requests']} FMP requests, {summary['records_written']} records,"
        f" {summary['objects_written']} new bronze objects, {summary['up_to_date']} up to date",
    )
    if failures:
        raise tasks.StageFailed(
            f"{config.indicator} ingestion failed for {len(failures)} task(s): {failures}"
        )
    return summary


@flow(name=TRANSFORM, flow_run_name=run_name(TRANSFORM), log_prints=False)
def transform(
    env: str | None = None,
    as_of: str | None = None,
    overrides: dict[str, str] | None = None,
    stages: list[str] | None = None,
    full_refresh: bool = False,
) -> dict[str, Any]:
    """dbt build of silver (staging models), then gold (marts), under the warehouse lock."""
    config = pipelines_config(env, overrides)
    env_name = config.environment.value
    day = resolve_as_of(as_of, config)
    out: dict[str, Any] = {"as_of": day.isoformat()}
    context = FlowRunContext.get()
    label = context.flow_run.name if context and context.flow_run else TRANSFORM
    with tasks.warehouse_lock(config, holder=f"transform {label}"):
        for stage in stages or list(STAGES):
            out[stage] = tasks.dbt_task(env_name, overrides, stage, full_refresh)
    return out


@flow(name=MEDALLION, flow_run_name=run_name(MEDALLION), log_prints=False)
def medallion(
    env: str | None = None,
    as_of: str | None = None,
    symbols: list[str] | None = None,
    overrides: dict[str, str] | None = None,
    backfill_from: str | None = None,
    full_refresh: bool = False,
) -> dict[str, Any]:
    """Bronze -> silver -> gold, then the gold data checks, a run record and a notification.

    `full_refresh` rebuilds silver and gold from all of bronze (dbt --full-refresh);
    ingestion stays incremental (`backfill_from` re-fetches history from a date).
    """
    config = pipelines_config(env, overrides)
    settings = load_settings(config)
    env_name = config.environment.value
    day = resolve_as_of(as_of, config).isoformat()
    chosen = [s.upper() for s in (symbols or settings.pipeline_symbols)]
    context = FlowRunContext.get()
    name = (
        context.flow_run.name if context and context.flow_run else config.deployment_name(MEDALLION)
    )
    run = f"{name} ({context.flow_run.id})" if context and context.flow_run else name
    stage = "ingest"
    out: dict[str, Any] = {"as_of": day}
    try:
        out["ingest"] = ingest_fmp(env_name, day, chosen, None, overrides, backfill_from)
        stage = "transform"
        out.update(transform(env_name, day, overrides, None, full_refresh))
        stage = "gold checks"
        out["quality"] = tasks.gold_checks_task(env_name, overrides, day, chosen, run)
    except BaseException as error:
        if isinstance(error, tasks.ChecksFailed):
            out["quality"] = error.quality
        tasks.publish_record(config, day, out)
        tasks.notify_task(env_name, overrides, f"{name} FAILED at {stage}", tasks.one_line(error))
        raise
    tasks.publish_record(config, day, out)
    ingest, quality = out["ingest"], out["quality"]
    rows = sum(quality["rows"].values())
    passed = sum(1 for c in quality["checks"] if c["ok"])
    detail = (
        f"{len(ingest['symbols'])} symbols, {ingest['records_written']} new bronze records"
        f" ({ingest['up_to_date']} up to date), gold {rows} rows in {len(quality['rows'])} marts,"
        f" {passed}/{len(quality['checks'])} data checks passed"
    )
    tasks.notify_task(env_name, overrides, f"{name} ok", detail)
    return out


FLOWS: dict[str, Flow[..., Any]] = {INGEST: ingest_fmp, TRANSFORM: transform, MEDALLION: medallion}


def entrypoint(base: str) -> str:
    """The module entrypoint a deployment of `base` runs (`finks_pipelines.flows:medallion`)."""
    attr = {INGEST: "ingest_fmp", TRANSFORM: "transform", MEDALLION: "medallion"}[base]
    return f"{__name__}:{attr}"


__all__: Sequence[str] = (
    "FLOWS",
    "FLOW_BASES",
    "INGEST",
    "MEDALLION",
    "TRANSFORM",
    "entrypoint",
    "ingest_fmp",
    "medallion",
    "resolve_as_of",
    "transform",
)
