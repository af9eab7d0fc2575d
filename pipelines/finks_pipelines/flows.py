"""The Prefect flows: `ingest-fmp-{env}`, `transform-{env}`, `medallion-{env}`.

Flows are thin: they decide what to run (symbols, window, stages) from the pipelines
config and hand the work to tasks. Every parameter is JSON (environment name,
config overrides, symbols, ISO dates) so a deployment can carry it. Module-level
flow objects are named for the environment in `ENVIRONMENT` (what a worker sets);
`for_env(flow, config)` renames one for an explicit environment.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from prefect import Flow, flow
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from finks_config import Config, current_environment
from finks_pipelines.settings import load_settings, pipelines_config, resolve_env
from finks_pipelines.tasks import (
    StageFailed,
    dbt_task,
    gold_checks_task,
    ingest_task,
    notify_task,
    say,
)

INGEST = "ingest-fmp"
TRANSFORM = "transform"
MEDALLION = "medallion"
FLOW_BASES = (INGEST, TRANSFORM, MEDALLION)

F = TypeVar("F", bound=Flow[Any, Any])


def _default_name(base: str) -> str:
    return f"{base}-{current_environment().value}"


def for_env(flow_obj: F, config: Config) -> F:
    """`flow_obj` named for `config`'s environment (`medallion` -> `medallion-staging`)."""
    base = next(
        (b for b in FLOW_BASES if flow_obj.name == b or flow_obj.name.startswith(f"{b}-")),
        flow_obj.name,
    )
    return flow_obj.with_options(name=config.flow_name(base))  # type: ignore[return-value]


def _run_window(config: Config, start: str | None, end: str | None) -> tuple[str, str]:
    settings = load_settings(config)
    if start and end:
        return start, end
    last = datetime.now(UTC).date() if not end else datetime.fromisoformat(end).date()
    first, last = settings.window(last)
    return (start or first.isoformat()), last.isoformat()


@flow(
    name=_default_name(INGEST),
    task_runner=ThreadPoolTaskRunner(max_workers=4),
    log_prints=False,
)
def ingest_fmp(
    env: str | None = None,
    symbols: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    datasets: list[str] | None = None,
    overrides: dict[str, str] | None = None,
    resume: bool = True,
) -> dict[str, Any]:
    """FMP -> bronze: one retried task per (symbol, dataset)."""
    config = pipelines_config(env, overrides)
    settings = load_settings(config)
    env_name = config.environment.value
    chosen = [s.upper() for s in (symbols or settings.pipeline_symbols)]
    sets = list(datasets or settings.pipeline_datasets)
    first, last = _run_window(config, start, end)
    say(config, f"ingest {len(chosen)} symbol(s) x {sets}, prices {first}..{last}")
    started = time.monotonic()
    job = ingest_task.with_options(
        retries=settings.pipeline_task_retries,
        retry_delay_seconds=settings.pipeline_task_retry_delay_seconds,
    )
    plan = [(symbol, dataset) for symbol in chosen for dataset in sets]
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    step = settings.pipeline_max_parallel_tasks
    for i in range(0, len(plan), step):
        batch: list[PrefectFuture[dict[str, Any]]] = [
            job.submit(env_name, overrides, symbol, dataset, first, last, resume)
            for symbol, dataset in plan[i : i + step]
        ]
        for (symbol, dataset), future in zip(plan[i : i + step], batch, strict=True):
            future.wait()
            if future.state.is_completed():
                results.append(future.result())
            else:
                failures.append(f"{dataset} {symbol}: {future.state.message or future.state.name}")
        say(config, f"ingested {min(i + step, len(plan))}/{len(plan)} (symbol, dataset) pairs")
    records = sum(r["records_written"] for r in results)
    summary = {
        "symbols": chosen,
        "datasets": sets,
        "start": first,
        "end": last,
        "tasks": len(plan),
        "records_written": records,
        "skipped": sum(r["skipped"] for r in results),
        "retries": sum(r["retries"] for r in results),
        "quarantined": sum(r["quarantined"] for r in results),
        "elapsed": round(time.monotonic() - started, 3),
    }
    say(config, f"ingest done: {records} records written, {summary['skipped']} requests skipped")
    if failures:
        raise StageFailed(
            f"{config.indicator} ingestion failed for {len(failures)} task(s): {failures}"
        )
    return summary


@flow(name=_default_name(TRANSFORM), log_prints=False)
def transform(
    env: str | None = None,
    overrides: dict[str, str] | None = None,
    stages: list[str] | None = None,
) -> dict[str, Any]:
    """dbt build of silver (staging models), then gold (marts)."""
    config = pipelines_config(env, overrides)
    env_name = config.environment.value
    out: dict[str, Any] = {}
    for stage in stages or ["silver", "gold"]:
        out[stage] = dbt_task(env_name, overrides, stage)
    return out


@flow(name=_default_name(MEDALLION), log_prints=False)
def medallion(
    env: str | None = None,
    symbols: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    overrides: dict[str, str] | None = None,
    resume: bool = True,
) -> dict[str, Any]:
    """Bronze -> silver -> gold, then data-quality checks on gold and a notification."""
    config = pipelines_config(env, overrides)
    env_name = config.environment.value
    name = config.flow_name(MEDALLION)
    first, last = _run_window(config, start, end)
    stage = "ingest"
    try:
        ingest: dict[str, Any] = for_env(ingest_fmp, config)(
            env_name, symbols, first, last, None, overrides, resume
        )
        stage = "transform"
        built: dict[str, Any] = for_env(transform, config)(env_name, overrides)
        stage = "gold checks"
        quality: dict[str, Any] = gold_checks_task(env_name, overrides, first, last)
    except BaseException as error:
        notify_task(env_name, overrides, f"{name} FAILED at {stage}", _one_line(error))
        raise
    rows = sum(quality["rows"].values())
    detail = (
        f"{len(ingest['symbols'])} symbols, {ingest['records_written']} new bronze records"
        f" ({ingest['skipped']} requests already in bronze), "
        f"gold {rows} rows in {len(quality['rows'])} marts, {quality['checks']} checks passed"
    )
    notify_task(env_name, overrides, f"{name} ok", detail)
    return {"ingest": ingest, **built, "quality": quality}


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def flows_for(env: str | None) -> dict[str, Flow[Any, Any]]:
    """The three flows named for `env` (base name -> flow)."""
    config = pipelines_config(resolve_env(env).value)
    return {
        INGEST: for_env(ingest_fmp, config),
        TRANSFORM: for_env(transform, config),
        MEDALLION: for_env(medallion, config),
    }


def entrypoint(base: str) -> str:
    """The module entrypoint a deployment of `base` runs (`finks_pipelines.flows:medallion`)."""
    attr = {INGEST: "ingest_fmp", TRANSFORM: "transform", MEDALLION: "medallion"}[base]
    return f"{__name__}:{attr}"


__all__: Sequence[str] = (
    "FLOW_BASES",
    "INGEST",
    "MEDALLION",
    "TRANSFORM",
    "entrypoint",
    "flows_for",
    "for_env",
    "ingest_fmp",
    "medallion",
    "transform",
)
